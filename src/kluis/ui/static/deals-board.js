// Drag and drop on the deals board: a progressive enhancement of the move form each card
// carries. Dropping a card on a column picks that stage in the card's form and submits it,
// so the move is the same POST (with its CSRF token) as without JavaScript.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) { return; }
  var dragged = null;
  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest ? event.target.closest(".deal-card") : null;
    if (!card) { return; }
    dragged = card;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-deal"));
  });
  board.addEventListener("dragover", function (event) {
    if (dragged && event.target.closest(".deal-column")) { event.preventDefault(); }
  });
  board.addEventListener("drop", function (event) {
    var column = event.target.closest(".deal-column");
    if (!dragged || !column) { return; }
    event.preventDefault();
    var form = dragged.querySelector("form.move");
    var stage = column.getAttribute("data-stage");
    dragged = null;
    if (!form || form.elements.stage.value === stage) { return; }
    form.elements.stage.value = stage;
    if (column.getAttribute("data-kind") === "lost") {
      var reason = window.prompt(form.elements.lost_reason.placeholder || "");
      if (!reason) { return; }
      form.elements.lost_reason.value = reason;
    }
    form.submit();
  });
}());
