"""Draw the site's icons, favicon.ico and the apple-touch-icon, with Pillow.

Why this script exists: the icons are committed as static files (civicsite/static/icons/);
run it again after changing the design, here and in icon.svg (the same drawing, by hand):
a white tick in a ballot box on the masthead blue.

    .venv/bin/python scripts/make_icons.py
"""

from pathlib import Path

from PIL import Image, ImageDraw

ICONS = Path(__file__).resolve().parent.parent / "civicsite" / "static" / "icons"
BLUE = (11, 79, 138)  # --accent in site.css
WHITE = (255, 255, 255)


def draw(size, *, rounded=True):
    """The icon on a 64-unit grid, drawn at 4x and scaled down for smooth edges."""
    scale = size * 4 / 64
    image = Image.new("RGBA", (size * 4, size * 4), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    box = (0, 0, size * 4 - 1, size * 4 - 1)
    if rounded:
        pen.rounded_rectangle(box, radius=int(12 * scale), fill=BLUE)
    else:  # the touch icon: the system rounds the corners itself
        pen.rectangle(box, fill=BLUE)
    # The ballot box's outline and the tick.
    pen.rounded_rectangle(
        tuple(int(v * scale) for v in (14, 14, 50, 50)),
        radius=int(4 * scale),
        outline=WHITE,
        width=int(4 * scale),
    )
    tick = [(21, 33), (29, 41), (44, 23)]
    pen.line([(x * scale, y * scale) for x, y in tick], fill=WHITE, width=int(6 * scale))
    return image.resize((size, size), Image.LANCZOS)


def main():
    ICONS.mkdir(parents=True, exist_ok=True)
    draw(48).save(ICONS / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])
    draw(180, rounded=False).convert("RGB").save(ICONS / "apple-touch-icon.png", optimize=True)


if __name__ == "__main__":
    main()
