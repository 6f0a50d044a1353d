"""Live streams and recordings that play in the page only once the reader asks.

An event page shows a static placeholder (title, time, a plain link to the stream) and no
third-party request is made while it is loading: the player's address sits in a data
attribute, and our own script (articles/static/articles/stream-embed.js) creates the iframe
when the reader clicks. The event page's CSP allows exactly ``FRAME_SOURCES`` as frame
sources (articles/events/views.py); every other page allows none.

Known players: Twitch (``player.twitch.tv``, which refuses to play unless ``parent=`` names
the host of the page embedding it) and YouTube through its no-cookie domain. Any other address
is a plain link only.
"""

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

TWITCH_PLAYER = "https://player.twitch.tv"
YOUTUBE_PLAYER = "https://www.youtube-nocookie.com"
FRAME_SOURCES = (TWITCH_PLAYER, YOUTUBE_PLAYER)

TWITCH_HOSTS = {"twitch.tv", "www.twitch.tv", "m.twitch.tv"}
YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be"}
_TWITCH_CHANNEL = re.compile(r"^[A-Za-z0-9_]{3,25}$")
_TWITCH_VIDEO = re.compile(r"^/videos/(\d{1,15})/?$")
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_YOUTUBE_PATHS = re.compile(r"^/(?:live|embed|shorts)/([A-Za-z0-9_-]{11})/?$")


@dataclass(frozen=True)
class StreamEmbed:
    """A player to load on click: who provides it, the page to link to and the player URL."""

    provider: str  # "Twitch" or "YouTube"
    watch_url: str
    player_url: str


def _youtube_id(parts):
    if parts.hostname == "youtu.be":
        video = parts.path.strip("/")
        return video if _YOUTUBE_ID.match(video) else None
    if parts.path in ("/watch", "/watch/"):
        video = parse_qs(parts.query).get("v", [""])[0]
        return video if _YOUTUBE_ID.match(video) else None
    match = _YOUTUBE_PATHS.match(parts.path)
    return match.group(1) if match else None


def stream_embed(url, *, parent_host):
    """The click-to-load player for a Twitch or YouTube address, or None for anything else.

    ``parent_host`` is the host name (no port) of the page that embeds a Twitch player.
    """
    try:
        parts = urlsplit(url or "")
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    if host in TWITCH_HOSTS:
        video = _TWITCH_VIDEO.match(parts.path)
        channel = parts.path.strip("/")
        if video:
            params = {"video": f"v{video.group(1)}"}
        elif _TWITCH_CHANNEL.match(channel):
            params = {"channel": channel.lower()}
        else:
            return None
        query = urlencode({**params, "parent": parent_host, "autoplay": "true"})
        return StreamEmbed("Twitch", url, f"{TWITCH_PLAYER}/?{query}")
    if host in YOUTUBE_HOSTS and (video := _youtube_id(parts)):
        return StreamEmbed("YouTube", url, f"{YOUTUBE_PLAYER}/embed/{video}?autoplay=1")
    return None


def at_time(url, seconds):
    """A recording's address that starts ``seconds`` in, where the provider supports it."""
    if not url or seconds is None:
        return url
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return url
    separator = "&" if "?" in url else "?"
    if host in TWITCH_HOSTS:
        hours, rest = divmod(seconds, 3600)
        minutes, secs = divmod(rest, 60)
        return f"{url}{separator}t={hours}h{minutes}m{secs}s"
    if host in YOUTUBE_HOSTS:
        return f"{url}{separator}t={seconds}s"
    return url


def clock(seconds):
    """12:34 or 1:02:03, as a video player shows it."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
