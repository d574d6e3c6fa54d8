// The appeals page: an agent acknowledges or appeals; a supervisor accepts or rejects.
"use strict";
(function () {
  function fail(form, error) {
    const message = form.querySelector(".form-message");
    message.textContent = error.message;
    message.className = "form-message small error";
  }

  async function send(url, body, form) {
    try {
      await tiexin.request(url, { method: "POST", body });
      window.location.reload();
    } catch (error) {
      fail(form, error);
    }
  }

  for (const button of document.querySelectorAll("button.acknowledge")) {
    button.addEventListener("click", () =>
      send(`/api/v1/evaluations/${button.dataset.evaluationId}/acknowledge`, undefined, button.parentElement));
  }
  for (const form of document.querySelectorAll("form.appeal-form")) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const body = { item_id: form.dataset.itemId, comment: form.elements.comment.value };
      send(`/api/v1/evaluations/${form.dataset.evaluationId}/appeals`, body, form);
    });
  }
  for (const form of document.querySelectorAll("form.decision-form")) {
    const decide = (decision) => {
      const points = form.elements.points.value;
      const body = {
        decision,
        reason: form.elements.reason.value || null,
        result: form.elements.result.value || null,
        points: points === "" ? null : Number(points),
      };
      send(`/api/v1/appeals/${form.dataset.appealId}/decision`, body, form);
    };
    form.querySelector("button.accept").addEventListener("click", () => decide("accept"));
    form.querySelector("button.reject").addEventListener("click", () => decide("reject"));
  }
})();
