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
