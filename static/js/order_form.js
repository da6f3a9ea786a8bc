// Order form: add and remove lines of the line formset (templates/orders/order_form.html).
// Kept out of the template for the CSP; the product pickers of new rows get the same
// Tom Select type-ahead (Backdesk.lookup in backdesk.js) as the rows rendered by the server.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("order-form");
  const template = document.getElementById("order-line-template");
  const body = form && form.querySelector("[data-formset-body]");
  if (!form || !template || !body) return;
  const total = form.querySelector('input[name="lines-TOTAL_FORMS"]');

  form.querySelector("[data-add-line]").addEventListener("click", () => {
    const index = parseInt(total.value, 10);
    const html = template.innerHTML.replace(/__prefix__/g, String(index));
    body.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    const row = body.lastElementChild;
    row.querySelectorAll("select[data-lookup-url]").forEach(window.Backdesk.lookup);
    const first = row.querySelector("select, input:not([type=hidden])");
    if (first && first.tomselect) first.tomselect.focus();
  });

  body.addEventListener("click", (event) => {
    const button = event.target.closest("[data-remove-line]");
    if (!button) return;
    const row = button.closest("[data-line-row]");
    const remove = row.querySelector('input[type="checkbox"][name$="-DELETE"]');
    // Rows keep their place in the formset; a deleted row is marked and hidden, never renumbered.
    if (remove) remove.checked = true;
    row.classList.add("d-none");
  });
});

// Choosing a product fills an empty unit price with its list price when the currencies match
// (the lookup returns list_price and currency); the intake check compares the rest.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("order-form");
  if (!form) return;
  form.addEventListener("change", (event) => {
    const select = event.target.closest('select[name$="-product"]');
    if (!select || !select.tomselect) return;
    const data = select.tomselect.options[select.value];
    const row = select.closest("[data-line-row]");
    const price = row && row.querySelector('input[name$="-unit_price"]');
    const currency = form.querySelector('select[name="currency"]');
    const orderCurrency = currency ? currency.value : form.dataset.currency;
    if (data && price && !price.value && data.list_price && data.currency === orderCurrency) {
      price.value = data.list_price;
    }
  });
});
