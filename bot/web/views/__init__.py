"""The dashboard's HTML pages, rendered on the server (the page JS only refreshes and chats).

One module per area: login, pushes (总览 and a push), library (素材库), reports (排名, 通报,
审计日志) and roster (名册); `render` holds the templates and the layout.
"""
