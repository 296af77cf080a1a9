// Bounding boxes in the task frame: draw, move, resize, relabel and delete boxes over an image,
// with a mouse, a finger or the keyboard. Boxes are kept in pixels of the original image
// (naturalWidth/naturalHeight) and written as JSON to the hidden "boxes" field; the server
// checks them again.
(function () {
  "use strict";

  var root = document.querySelector(".mw-boxes");
  if (!root) {
    return;
  }
  var stage = root.querySelector(".mw-stage");
  var image = stage.querySelector("img");
  var list = root.querySelector(".mw-box-list");
  var errorLine = root.querySelector(".mw-box-error");
  var boxesField = root.querySelector('input[name="boxes"]');
  var widthField = root.querySelector('input[name="image_width"]');
  var heightField = root.querySelector('input[name="image_height"]');
  var form = root.closest("form");
  var minBoxes = Number(root.dataset.min || 0);
  var maxBoxes = Number(root.dataset.max || 50);
  var text = {
    minBoxes: root.dataset.msgMinboxes,
    maxBoxes: root.dataset.msgMaxboxes,
    noImage: root.dataset.msgNoimage,
    box: root.dataset.msgBox,
    remove: root.dataset.msgRemove
  };
  var boxes = []; // {label, x1, y1, x2, y2, element}
  var selected = -1;
  var drag = null;

  function clamp(value, low, high) {
    return Math.min(Math.max(value, low), high);
  }

  function width() {
    return image.naturalWidth || 0;
  }

  function height() {
    return image.naturalHeight || 0;
  }

  function scale() {
    return width() ? image.clientWidth / width() : 1;
  }

  function pointAt(event) {
    var rect = image.getBoundingClientRect();
    var s = scale();
    return {
      x: clamp((event.clientX - rect.left) / s, 0, width()),
      y: clamp((event.clientY - rect.top) / s, 0, height())
    };
  }

  function labelRadios() {
    return Array.prototype.slice.call(document.querySelectorAll('input[name="mw_box_label"]'));
  }

  function currentLabel() {
    var checked = document.querySelector('input[name="mw_box_label"]:checked');
    return checked ? checked.value : (labelRadios()[0] || {}).value || "";
  }

  function round(value) {
    return Math.round(value * 10) / 10;
  }

  function showError(message) {
    errorLine.textContent = message || "";
    errorLine.hidden = !message;
  }

  function boxElement(box) {
    var element = document.createElement("div");
    element.className = "mw-box";
    var tag = document.createElement("span");
    tag.className = "mw-box-tag";
    var handle = document.createElement("div");
    handle.className = "mw-handle";
    element.appendChild(tag);
    element.appendChild(handle);
    stage.appendChild(element);
    box.element = element;
    return element;
  }

  function listItem(box, index) {
    var item = document.createElement("li");
    item.classList.toggle("selected", index === selected);
    var pick = document.createElement("button");
    pick.type = "button";
    pick.textContent = box.label + " (" + Math.round(box.x1) + ", " + Math.round(box.y1) +
      " – " + Math.round(box.x2) + ", " + Math.round(box.y2) + ")";
    pick.setAttribute("aria-pressed", index === selected ? "true" : "false");
    pick.addEventListener("click", function () {
      select(index);
      stage.focus();
    });
    var remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = text.remove;
    remove.setAttribute("aria-label", text.remove + " " + text.box + " " + (index + 1));
    remove.addEventListener("click", function () {
      removeBox(index);
    });
    item.appendChild(pick);
    item.appendChild(remove);
    return item;
  }

  function render() {
    var s = scale();
    boxes.forEach(function (box, index) {
      var element = box.element || boxElement(box);
      element.style.left = box.x1 * s + "px";
      element.style.top = box.y1 * s + "px";
      element.style.width = (box.x2 - box.x1) * s + "px";
      element.style.height = (box.y2 - box.y1) * s + "px";
      element.classList.toggle("selected", index === selected);
      element.dataset.index = String(index);
      element.firstChild.textContent = index + 1 + " " + box.label;
    });
    list.textContent = "";
    boxes.forEach(function (box, index) {
      list.appendChild(listItem(box, index));
    });
    boxesField.value = JSON.stringify(boxes.map(function (box) {
      return { label: box.label, x1: round(box.x1), y1: round(box.y1), x2: round(box.x2), y2: round(box.y2) };
    }));
    widthField.value = width() ? String(width()) : "";
    heightField.value = height() ? String(height()) : "";
  }

  function select(index) {
    selected = index;
    if (index >= 0) {
      var radio = labelRadios().filter(function (input) {
        return input.value === boxes[index].label;
      })[0];
      if (radio) {
        radio.checked = true;
      }
    }
    render();
  }

  function removeBox(index) {
    if (index < 0 || index >= boxes.length) {
      return;
    }
    boxes[index].element.remove();
    boxes.splice(index, 1);
    selected = boxes.length ? Math.min(index, boxes.length - 1) : -1;
    showError("");
    render();
  }

  function addBox(box) {
    if (boxes.length >= maxBoxes) {
      showError(text.maxBoxes);
      return -1;
    }
    boxes.push(box);
    showError("");
    return boxes.length - 1;
  }

  // --- pointer: mouse, touch and pen alike ------------------------------------------------

  stage.addEventListener("pointerdown", function (event) {
    if (!width() || event.button > 0) {
      return;
    }
    var point = pointAt(event);
    var boxElementHit = event.target.closest(".mw-box");
    if (boxElementHit) {
      var index = Number(boxElementHit.dataset.index);
      var box = boxes[index];
      selected = index;
      drag = {
        mode: event.target.classList.contains("mw-handle") ? "resize" : "move",
        index: index,
        start: point,
        original: { x1: box.x1, y1: box.y1, x2: box.x2, y2: box.y2 }
      };
    } else {
      var created = addBox({ label: currentLabel(), x1: point.x, y1: point.y, x2: point.x, y2: point.y });
      if (created < 0) {
        return;
      }
      selected = created;
      drag = { mode: "draw", index: created, start: point };
    }
    stage.setPointerCapture(event.pointerId);
    stage.focus({ preventScroll: true });
    event.preventDefault();
    render();
  });

  stage.addEventListener("pointermove", function (event) {
    if (!drag) {
      return;
    }
    var point = pointAt(event);
    var box = boxes[drag.index];
    if (drag.mode === "draw") {
      box.x1 = Math.min(drag.start.x, point.x);
      box.x2 = Math.max(drag.start.x, point.x);
      box.y1 = Math.min(drag.start.y, point.y);
      box.y2 = Math.max(drag.start.y, point.y);
    } else if (drag.mode === "move") {
      var o = drag.original;
      var dx = clamp(point.x - drag.start.x, -o.x1, width() - o.x2);
      var dy = clamp(point.y - drag.start.y, -o.y1, height() - o.y2);
      box.x1 = o.x1 + dx;
      box.x2 = o.x2 + dx;
      box.y1 = o.y1 + dy;
      box.y2 = o.y2 + dy;
    } else {
      box.x2 = Math.max(point.x, box.x1 + 1);
      box.y2 = Math.max(point.y, box.y1 + 1);
    }
    render();
  });

  function endDrag() {
    if (!drag) {
      return;
    }
    var box = boxes[drag.index];
    // A click without a drag draws nothing (a box needs a few screen pixels each way).
    var tooSmall = 4 / scale();
    if (drag.mode === "draw" && (box.x2 - box.x1 < tooSmall || box.y2 - box.y1 < tooSmall)) {
      drag = null;
      removeBox(boxes.indexOf(box));
      return;
    }
    drag = null;
    render();
  }

  stage.addEventListener("pointerup", endDrag);
  stage.addEventListener("pointercancel", endDrag);

  // --- keyboard ----------------------------------------------------------------------------

  function typing(element) {
    var tag = element && element.tagName;
    return tag === "TEXTAREA" || tag === "SELECT" ||
      (tag === "INPUT" && ["radio", "checkbox", "hidden"].indexOf(element.type) < 0);
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target) || !width()) {
      return;
    }
    if (/^[1-9]$/.test(event.key)) {
      var radio = labelRadios()[Number(event.key) - 1];
      if (radio) {
        radio.checked = true;
        if (selected >= 0) {
          boxes[selected].label = radio.value;
          render();
        }
        event.preventDefault();
      }
      return;
    }
    if (document.activeElement !== stage) {
      return;
    }
    var box = selected >= 0 ? boxes[selected] : null;
    var stepX = Math.max(1, Math.round(width() / 100));
    var stepY = Math.max(1, Math.round(height() / 100));
    var handled = true;
    if (event.key === "n" || event.key === "N") {
      var index = addBox({
        label: currentLabel(),
        x1: width() * 0.375,
        y1: height() * 0.375,
        x2: width() * 0.625,
        y2: height() * 0.625
      });
      if (index >= 0) {
        selected = index;
      }
    } else if (event.key === "]" || (event.key === "Tab" && !event.shiftKey && selected < boxes.length - 1)) {
      selected = boxes.length ? (selected + 1) % boxes.length : -1;
    } else if (event.key === "[" || (event.key === "Tab" && event.shiftKey && selected > 0)) {
      selected = boxes.length ? (selected - 1 + boxes.length) % boxes.length : -1;
    } else if ((event.key === "Delete" || event.key === "Backspace") && box) {
      removeBox(selected);
    } else if (event.key === "Escape") {
      selected = -1;
    } else if (box && event.key.indexOf("Arrow") === 0) {
      var dx = event.key === "ArrowLeft" ? -stepX : event.key === "ArrowRight" ? stepX : 0;
      var dy = event.key === "ArrowUp" ? -stepY : event.key === "ArrowDown" ? stepY : 0;
      if (event.shiftKey) {
        box.x2 = clamp(box.x2 + dx, box.x1 + 1, width());
        box.y2 = clamp(box.y2 + dy, box.y1 + 1, height());
      } else {
        dx = clamp(dx, -box.x1, width() - box.x2);
        dy = clamp(dy, -box.y1, height() - box.y2);
        box.x1 += dx;
        box.x2 += dx;
        box.y1 += dy;
        box.y2 += dy;
      }
    } else {
      handled = false;
    }
    if (handled) {
      event.preventDefault();
      render();
    }
  });

  // --- the image, and the check before submitting ------------------------------------------

  image.addEventListener("load", render);
  image.addEventListener("error", function () {
    showError(text.noImage);
  });
  window.addEventListener("resize", render);
  if (image.complete) {
    render();
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      var problem = !width() ? text.noImage : boxes.length < minBoxes ? text.minBoxes :
        boxes.length > maxBoxes ? text.maxBoxes : "";
      if (problem) {
        event.preventDefault();
        showError(problem);
        stage.focus();
      }
    });
  }
})();
