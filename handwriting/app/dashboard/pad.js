// The pad's ink, drawn in the browser as the pen moves (see pad.py for why).
//
// The kernel holds the strokes (`strokes`, synced): it reads them, undoes and clears them, and a
// page that renders the pad again paints them. The page sends each stroke once, when the pen lifts,
// and then the pad's pixels as a PNG (the picture that is stored and saved).

const INK = "#111111";
const PAPER = "#ffffff";
// The picture is not urgent (the kernel reads the points): it is encoded and sent once the reading
// is likely back, so that its encoding never holds up the reading's display.
const PICTURE_AFTER_MS = 250;

function render({ model, el }) {
  const width = model.get("width");
  const height = model.get("height");
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  canvas.classList.add(...model.get("canvas_classes"));
  el.appendChild(canvas);
  const ctx = canvas.getContext("2d");

  let strokes = model.get("strokes");  // the kernel's strokes, then the ones on their way to it
  let current = null;                  // the stroke under the pen

  function pen() {
    ctx.lineWidth = model.get("pen_width");
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = INK;
    ctx.fillStyle = INK;
  }

  function dot([x, y]) {
    ctx.beginPath();
    ctx.arc(x, y, ctx.lineWidth / 2, 0, 2 * Math.PI);
    ctx.fill();
  }

  function line(points) {
    ctx.beginPath();
    ctx.moveTo(points[0][0], points[0][1]);
    for (const [x, y] of points.slice(1)) ctx.lineTo(x, y);
    ctx.stroke();
  }

  function paint() {
    ctx.fillStyle = PAPER;
    ctx.fillRect(0, 0, width, height);
    pen();
    for (const stroke of strokes) {
      if (stroke.length === 1) dot(stroke[0]);
      else line(stroke);
    }
  }

  function sendPicture() {
    if (current !== null) return;  // a stroke under way: its own pen-up sends the next picture
    const count = strokes.length;  // a picture that arrives after the strokes changed is dropped
    canvas.toBlob((blob) => {
      if (blob) blob.arrayBuffer().then((png) => model.send({ event: "picture", strokes: count }, undefined, [png]));
    }, "image/png");
  }

  // The canvas's own pixels under the pointer: the page's CSS pixels inside its border, scaled.
  function at(event) {
    const box = canvas.getBoundingClientRect();
    const left = box.left + canvas.clientLeft, top = box.top + canvas.clientTop;
    const x = (event.clientX - left) * width / (box.width - 2 * canvas.clientLeft);
    const y = (event.clientY - top) * height / (box.height - 2 * canvas.clientTop);
    return [Math.min(Math.max(x, 0), width), Math.min(Math.max(y, 0), height)];
  }

  // Pointer events are the mouse, a finger and a stylus alike. The pointer is captured, so a pen
  // that leaves the pad still belongs to its stroke (held at the edge) until it lifts.
  function down(event) {
    if (event.pointerType === "mouse" && event.button !== 0) return;
    event.preventDefault();
    try {
      canvas.setPointerCapture(event.pointerId);
    } catch (error) {}  // a pointer the browser no longer knows: the stroke still ends on its `up`
    current = [at(event)];
    strokes = [...strokes, current];
    pen();
    dot(current[0]);
  }

  function move(event) {
    if (current === null) return;
    const point = at(event);
    const last = current[current.length - 1];
    if (point[0] === last[0] && point[1] === last[1]) return;
    current.push(point);
    line([last, point]);
  }

  function up(event) {
    move(event);
    finish();
  }

  // A cancelled pointer (the browser took the touch over) ends the stroke where it last was: its
  // own position may be anywhere.
  function finish() {
    if (current === null) return;
    const stroke = current;
    current = null;
    model.send({ event: "stroke", points: stroke });
    setTimeout(sendPicture, PICTURE_AFTER_MS);
  }

  // The kernel's own changes (an undo, a clear) are painted, and their picture sent. Its copies of
  // the strokes this page drew need nothing: they are on the pad already.
  let edits = model.get("edits");
  function edited() {
    if (model.get("edits") === edits) return;
    edits = model.get("edits");
    strokes = current === null ? model.get("strokes") : [...model.get("strokes"), current];
    paint();
    if (current === null) sendPicture();
  }

  canvas.addEventListener("pointerdown", down);
  canvas.addEventListener("pointermove", move);
  canvas.addEventListener("pointerup", up);
  canvas.addEventListener("pointercancel", finish);
  model.on("change:edits", edited);
  model.on("change:pen_width", paint);
  paint();
  return () => {
    model.off("change:edits", edited);
    model.off("change:pen_width", paint);
  };
}

export default { render };
