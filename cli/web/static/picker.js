/* A picker for a long multiple choice (countries, themes): type to filter, chosen values as
   removable chips, one click for a group, the keyboard alone enough.

   It enhances a <select multiple data-picker> that the page renders (and that works without
   JavaScript): the select stays in the form, hidden, and is what the form sends. Its options
   carry data-search (the words a value is found by: code, English and Finnish names) and
   data-groups (the groups it belongs to); the buttons [data-picker-group] next to it add a
   group. Every text the picker shows comes from the page (data-* attributes in the page's
   language). No inline script: the page's Content-Security-Policy forbids it. */
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function setUp(select) {
    var field = select.closest(".field") || select.parentNode;
    var id = select.id;
    var label = document.querySelector('label[for="' + id + '"]');
    var options = Array.prototype.slice.call(select.options);
    var say = select.dataset;

    var chips = document.createElement("ul");
    chips.className = "chips";
    chips.setAttribute("aria-label", say.chosen || "");
    var input = document.createElement("input");
    input.type = "text";
    input.id = id + "-filter";
    input.className = "picker-input";
    input.autocomplete = "off";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id + "-list");
    input.placeholder = say.placeholder || "";
    var describedBy = select.getAttribute("aria-describedby");
    if (describedBy) input.setAttribute("aria-describedby", describedBy);
    if (select.getAttribute("aria-invalid")) input.setAttribute("aria-invalid", "true");
    var list = document.createElement("ul");
    list.id = id + "-list";
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", label ? label.textContent : id);
    list.hidden = true;
    var live = document.createElement("p");
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "polite");

    if (label) label.htmlFor = input.id;
    select.hidden = true;
    select.tabIndex = -1;
    select.setAttribute("aria-hidden", "true");
    field.insertBefore(chips, select);
    field.insertBefore(input, select);
    field.insertBefore(list, select);
    field.appendChild(live);
    var groups = field.parentNode.querySelectorAll('[data-picker-for="' + id + '"]');
    Array.prototype.forEach.call(groups, function (box) { box.hidden = false; });

    var shown = [];
    var active = -1;
    // the chosen ones in the order they were chosen: chips, and what Backspace takes back
    var order = options.filter(function (o) { return o.selected; });

    function pick(option) {
      option.selected = true;
      if (order.indexOf(option) < 0) order.push(option);
    }

    function unpick(option) {
      option.selected = false;
      var at = order.indexOf(option);
      if (at >= 0) order.splice(at, 1);
    }

    function text(option) { return option.dataset.label || option.textContent; }

    function drawChips() {
      chips.textContent = "";
      order.forEach(function (option) {
        var li = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "chip";
        button.textContent = text(option) + " \u00d7";
        button.setAttribute("aria-label", (say.remove || "remove") + " " + text(option));
        button.addEventListener("click", function () {
          unpick(option);
          live.textContent = (say.removed || "") + " " + text(option);
          drawChips();
          input.focus();
        });
        li.appendChild(button);
        chips.appendChild(li);
      });
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function mark(i) {
      active = i;
      shown.forEach(function (item, j) { item.li.setAttribute("aria-selected", j === i ? "true" : "false"); });
      if (i >= 0) {
        input.setAttribute("aria-activedescendant", shown[i].li.id);
        shown[i].li.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function drawList() {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      list.textContent = "";
      shown = [];
      var found = [];
      options.forEach(function (option, n) {
        if (option.selected) return;
        var haystack = " " + fold((option.dataset.search || "") + " " + option.textContent);
        if (!words.every(function (w) { return haystack.indexOf(w) >= 0; })) return;
        // the best first: the code itself (SE), then a name that starts so (Se...), then a
        // word that does (Etelä-Sudan), then the rest (Hertsegovina)
        var first = words[0] || "";
        var rank = fold(option.value) === first ? 0
          : fold(text(option)).indexOf(first) === 0 ? 1
          : haystack.indexOf(" " + first) >= 0 || haystack.indexOf("-" + first) >= 0 ? 2 : 3;
        found.push({ rank: words.length ? rank : 0, n: n, option: option });
      });
      found.sort(function (a, b) { return a.rank - b.rank || a.n - b.n; });
      found.forEach(function (hit) {
        var option = hit.option, n = hit.n;
        var li = document.createElement("li");
        li.id = id + "-option-" + n;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.textContent = option.textContent;
        li.addEventListener("mousedown", function (event) {
          event.preventDefault();  // keep the focus in the input
          choose(option);
        });
        list.appendChild(li);
        shown.push({ li: li, option: option });
      });
      list.hidden = shown.length === 0;
      input.setAttribute("aria-expanded", shown.length ? "true" : "false");
      mark(shown.length && words.length ? 0 : -1);
    }

    function choose(option) {
      pick(option);
      live.textContent = (say.added || "") + " " + text(option);
      input.value = "";
      drawChips();
      drawList();
      close();
      input.focus();
    }

    input.addEventListener("input", drawList);
    input.addEventListener("focus", function () { if (input.value) drawList(); });
    input.addEventListener("blur", close);
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (list.hidden) drawList();
        if (!shown.length) return;
        event.preventDefault();
        var step = event.key === "ArrowDown" ? 1 : -1;
        mark((active + step + shown.length) % shown.length);
      } else if (event.key === "Enter") {
        if (!list.hidden && active >= 0) {
          event.preventDefault();  // choose, do not send the form
          choose(shown[active].option);
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) { event.preventDefault(); close(); }
      } else if (event.key === "Backspace" && !input.value) {
        var last = order[order.length - 1];
        if (last) {
          unpick(last);
          live.textContent = (say.removed || "") + " " + text(last);
          drawChips();
        }
      }
    });

    Array.prototype.forEach.call(groups, function (box) {
      Array.prototype.forEach.call(box.querySelectorAll("button[data-picker-group]"), function (button) {
        button.addEventListener("click", function () {
          var group = button.getAttribute("data-picker-group");
          if (group === "") {
            options.forEach(unpick);
          } else {
            options.forEach(function (o) {
              if ((" " + (o.dataset.groups || "") + " ").indexOf(" " + group + " ") >= 0) pick(o);
            });
          }
          live.textContent = button.textContent;
          drawChips();
        });
      });
    });

    drawChips();
  }

  document.querySelectorAll("select[multiple][data-picker]").forEach(setUp);
})();
