// Backdesk: add and remove rows of a Django formset, without inline scripts (strict CSP).
//
// Load it on the form page: {% block scripts %}<script src="{% static 'js/line_formset.js' %}"></script>{% endblock %}
// (after backdesk.js, which base.html loads). Markup, all by data- attributes:
//
//   <fieldset data-formset="{{ formset.prefix }}">      the container; its value is the formset prefix
//     {{ formset.management_form }}                      holds PREFIX-TOTAL_FORMS, which this script keeps up to date
//     <tbody data-formset-body>                          where rows live and new rows are appended
//       <tr data-formset-row> ... {{ form.DELETE }} ...  one per form; the formset needs can_delete=True
//         <button type="button" data-formset-remove>     ticks the row's PREFIX-N-DELETE checkbox and hides the row
//     </tbody>
//     <template data-formset-template>                   one row rendered from formset.empty_form ("__prefix__")
//     <button type="button" data-formset-add>            appends a copy of the template as form number TOTAL_FORMS
//   </fieldset>
//
// Optional, inside a row:
//   <select data-lookup-url="...">   (core.widgets.LookupSelect) becomes a Tom Select type-ahead in added rows,
//                                    as backdesk.js does for the rows present on load;
//   <select data-formset-product> + <input data-formset-price>: when a product is picked, the price input's
//                                    placeholder shows its list price (from the lookup's "list_price" and
//                                    "currency"), the price the server uses when the input stays empty.
// A "formset:added" event (detail: {row}) bubbles from the container after a row is added.
(() => {
  "use strict";

  const showListPrice = (select) => {
    const row = select.closest("[data-formset-row]");
    const price = row && row.querySelector("[data-formset-price]");
    if (!price) return;
    const option = select.tomselect && select.value ? select.tomselect.options[select.value] : null;
    if (option && option.list_price !== undefined) {
      price.placeholder = `${option.list_price} ${option.currency || ""}`.trim();
    } else if (!select.value) {
      price.placeholder = "";
    }
  };

  const setUpRow = (row) => {
    row.querySelectorAll("select[data-lookup-url]").forEach((select) => {
      window.Backdesk.lookup(select);
    });
    row.querySelectorAll("select[data-formset-product]").forEach((select) => {
      select.addEventListener("change", () => showListPrice(select));
    });
  };

  const setUp = (container) => {
    const prefix = container.dataset.formset;
    const total = container.querySelector(`input[name="${CSS.escape(prefix)}-TOTAL_FORMS"]`);
    const max = container.querySelector(`input[name="${CSS.escape(prefix)}-MAX_NUM_FORMS"]`);
    const body = container.querySelector("[data-formset-body]");
    const template = container.querySelector("template[data-formset-template]");
    if (!total || !body || !template) return;

    body.querySelectorAll("[data-formset-row]").forEach(setUpRow);

    container.addEventListener("click", (event) => {
      const add = event.target.closest("[data-formset-add]");
      if (add && container.contains(add)) {
        event.preventDefault();
        const index = Number.parseInt(total.value, 10) || 0;
        if (max && index >= (Number.parseInt(max.value, 10) || Number.POSITIVE_INFINITY)) return;
        const holder = document.createElement("tbody");
        holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
        const row = holder.querySelector("[data-formset-row]");
        if (!row) return;
        body.appendChild(row);
        total.value = String(index + 1);
        setUpRow(row);
        container.dispatchEvent(new CustomEvent("formset:added", { bubbles: true, detail: { row } }));
        const first = row.querySelector("select, input:not([type=hidden]):not([type=checkbox]), textarea");
        if (first) (first.tomselect ? first.tomselect : first).focus();
        return;
      }
      const remove = event.target.closest("[data-formset-remove]");
      if (remove && container.contains(remove)) {
        event.preventDefault();
        const row = remove.closest("[data-formset-row]");
        if (!row) return;
        const deleteBox = row.querySelector('input[type=checkbox][name$="-DELETE"]');
        if (deleteBox) deleteBox.checked = true;
        row.hidden = true;
      }
    });
  };

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-formset]").forEach(setUp);
  });
})();
