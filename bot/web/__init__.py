"""The patient chat page: the clinic's site stand-in with the rasa-webchat widget.

``python -m bot.web`` serves the page (rendered from data/clinic.yml), the widget's
standalone bundle from ``bot/web/node_modules`` (``npm ci --prefix bot/web``; no CDN),
and proxies ``/socket.io/`` to the rasa server, so the browser talks to one origin
and the rasa server stays on loopback. See docs/channels.md.
"""
