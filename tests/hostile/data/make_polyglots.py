"""Make the hostile images in this folder: ``python tests/hostile/data/make_polyglots.py``.

- ``polyglot.jpg``: a valid JPEG (Pillow decodes it; browsers show it) that is also an HTML
  page: its COM segment holds a script, and so do an XMP packet (APP1), a Photoshop IRB
  (APP13) and the bytes after its end-of-image marker. It also carries EXIF with a GPS
  position and an sRGB colour profile (APP2).
- ``text_chunks.png``: a valid PNG whose tEXt, zTXt and iTXt chunks and a private chunk hold
  the same kind of payload, with more after IEND.

Every payload holds the marker ``POLYGLOT-PAYLOAD`` and ``<script``; tests/hostile/
test_uploads.py asserts that neither survives in any stored file or rendition. The files are
kept in git so the tests read real bytes; run this again only to change them.
"""

import io
import struct
import zlib
from pathlib import Path

from PIL import Image, ImageCms, ImageDraw
from PIL.PngImagePlugin import PngInfo

HERE = Path(__file__).resolve().parent
PAYLOAD = b"<html><body><script>alert('POLYGLOT-PAYLOAD ' + document.cookie)</script></body></html>"
GPS = {1: "N", 2: (33.0, 44.0, 56.0), 3: "W", 4: (84.0, 23.0, 17.0)}  # Atlanta City Hall


def picture(size=(1000, 640)):
    image = Image.new("RGB", size, (28, 64, 120))
    draw = ImageDraw.Draw(image)
    draw.rectangle((80, 80, size[0] - 80, size[1] - 80), fill=(230, 180, 40))
    draw.ellipse((300, 160, 700, 480), fill=(200, 40, 40))
    return image


def jpeg_segment(marker, data):
    return bytes([0xFF, marker]) + struct.pack(">H", len(data) + 2) + data


def polyglot_jpeg():
    exif = Image.Exif()
    exif[0x010F] = "Camera Maker POLYGLOT-PAYLOAD"  # Make
    exif.get_ifd(0x8825).update(GPS)
    xmp = (
        b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
        + PAYLOAD
        + b"</x:xmpmeta><?xpacket end='w'?>"
    )
    buffer = io.BytesIO()
    picture().save(
        buffer,
        "JPEG",
        quality=90,
        comment=PAYLOAD,
        exif=exif.tobytes(),
        xmp=xmp,
        icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
    )
    data = buffer.getvalue()
    # A Photoshop IRB (APP13) after the JFIF header, and HTML after the end-of-image marker.
    irb = b"Photoshop 3.0\x00" + b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(PAYLOAD)) + PAYLOAD
    after_jfif = 4 + struct.unpack(">H", data[4:6])[0]
    return data[:after_jfif] + jpeg_segment(0xED, irb) + data[after_jfif:] + PAYLOAD


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def text_chunks_png():
    info = PngInfo()
    info.add_text("Comment", PAYLOAD.decode())
    info.add_text("Description", PAYLOAD.decode(), zip=True)  # zTXt
    info.add_itxt("XML:com.adobe.xmp", PAYLOAD.decode(), lang="en", tkey="XMP")
    buffer = io.BytesIO()
    picture((640, 400)).save(buffer, "PNG", pnginfo=info)
    data = buffer.getvalue()
    iend = data.rindex(b"IEND") - 4
    private = png_chunk(b"prVt", PAYLOAD)  # ancillary, private, safe-to-copy
    return data[:iend] + private + data[iend:] + PAYLOAD


if __name__ == "__main__":
    (HERE / "polyglot.jpg").write_bytes(polyglot_jpeg())
    (HERE / "text_chunks.png").write_bytes(text_chunks_png())
    for name in ("polyglot.jpg", "text_chunks.png"):
        with Image.open(HERE / name) as image:
            image.load()
            print(name, image.format, image.size, sorted(image.info))
