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
