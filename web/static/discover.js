// What to ask and where: starter questions drawn from the documents (GET /api/starters) on an empty
// chat, and the place selector (GET /api/places), chosen once and remembered in localStorage.
"use strict";

(() => {
  const { $, el, button, getJson } = window.PQ;
  const PLACE_KEY = "policyqa.place";
  const ui = { starters: $("starters"), place: $("place") };

  async function loadStarters() {
    try {
      const data = await getJson("/api/starters");
      ui.starters.replaceChildren(
        ...data.questions.map((q) => button(q, "starter secondary", () => window.PQ.askQuestion(q))),
      );
    } catch {
      ui.starters.replaceChildren(); // no index yet: the notice explains it
    }
  }

  async function loadPlaces() {
    let saved = "";
    try {
      saved = localStorage.getItem(PLACE_KEY) || "";
    } catch {
      saved = "";
    }
    try {
      const data = await getJson("/api/places");
      const names = data.places.map((p) => p.name);
      if (saved && !names.includes(saved)) names.push(saved);
      ui.place.append(
        ...names.map((name) => {
          const option = el("option", null, name);
          option.value = name;
          return option;
        }),
      );
    } catch {
      // no index: only "不限地区"
    }
    ui.place.value = saved;
  }

  ui.place.addEventListener("change", () => {
    try {
      localStorage.setItem(PLACE_KEY, ui.place.value);
    } catch {
      // the choice just won't be remembered
    }
  });

  loadStarters();
  loadPlaces();
})();
