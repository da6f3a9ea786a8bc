// Backdesk: behaviour kept out of templates (no inline scripts, for a strict CSP).
document.addEventListener("DOMContentLoaded", () => {
  // Ask before a destructive or irreversible action: <button data-confirm="...">.
  document.body.addEventListener("click", (event) => {
    const target = event.target.closest("[data-confirm]");
    if (target && !window.confirm(target.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  });
});

// Open the tab named in the URL hash (#contacts, #documents ...) and keep the hash in sync.
document.addEventListener("DOMContentLoaded", () => {
  const show = (hash) => {
    const button = hash && document.querySelector(`[data-bs-toggle="tab"][data-bs-target="${CSS.escape(hash)}"]`);
    if (button && window.bootstrap) window.bootstrap.Tab.getOrCreateInstance(button).show();
  };
  show(window.location.hash);
  document.querySelectorAll('[data-bs-toggle="tab"]').forEach((button) => {
    button.addEventListener("shown.bs.tab", () => history.replaceState(null, "", button.dataset.bsTarget));
  });
});

// Type-ahead pickers: <select data-lookup-url="..."> (core.widgets.LookupSelect).
// Backdesk.lookup(select) is the one set-up; the formset scripts call it for added rows.
window.Backdesk = window.Backdesk || {};
window.Backdesk.lookup = (select) => {
  if (!window.TomSelect || select.tomselect) return;
  const url = select.dataset.lookupUrl;
  let justPicked = false;
  const control = new window.TomSelect(select, {
    valueField: "id",
    labelField: "text",
    searchField: ["text"],
    maxOptions: 20,
    preload: "focus",
    loadThrottle: 250,
    onItemAdd() {
      justPicked = true;
      this.close();
    },
    onType() {
      justPicked = false;
    },
    load(query, callback) {
      const sep = url.includes("?") ? "&" : "?";
      fetch(`${url}${sep}q=${encodeURIComponent(query)}`, { headers: { Accept: "application/json" } })
        .then((response) => response.json())
        .then((data) => {
          callback(data.results);
          // An answer that arrives after the user picked must not open the list again
          // over the next field.
          if (justPicked) this.close();
        })
        .catch(() => callback());
    },
  });
  // Tom Select's open() also focuses the control. A lookup answer that lands after the user
  // has moved on to the next field would open the list and pull focus back, and the next keys
  // typed (a quantity, a discount) would go into the picker instead. Open only while focus is
  // still inside the picker.
  const open = control.open.bind(control);
  control.open = () => {
    if (control.wrapper.contains(document.activeElement)) open();
  };
};
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("select[data-lookup-url]").forEach(window.Backdesk.lookup);
});

// A <select data-autosubmit> submits its form when changed (instead of an inline onchange).
document.addEventListener("change", (event) => {
  const field = event.target.closest && event.target.closest("[data-autosubmit]");
  if (!field || !field.form) return;
  if (field.form.requestSubmit) field.form.requestSubmit();
  else field.form.submit();
});

// Progress bars: <div class="progress-bar" data-bar-width="42"> gets width 42% (0..100).
// Set through the CSSOM, which the Content-Security-Policy allows, unlike style="" attributes.
// htmx.onLoad runs for the page and again for every fragment htmx swaps in.
window.Backdesk.bars = (root) => {
  const bars = Array.from(root.querySelectorAll ? root.querySelectorAll("[data-bar-width]") : []);
  if (root.matches && root.matches("[data-bar-width]")) bars.push(root);
  bars.forEach((bar) => {
    const value = parseFloat(String(bar.dataset.barWidth).replace(",", "."));
    bar.style.width = `${Number.isFinite(value) ? Math.min(Math.max(value, 0), 100) : 0}%`;
  });
};
if (window.htmx) window.htmx.onLoad(window.Backdesk.bars);
else document.addEventListener("DOMContentLoaded", () => window.Backdesk.bars(document));
