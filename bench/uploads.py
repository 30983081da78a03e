"""A file sent as the front end's file uploader sends it (Streamlit 1.67), for ``bench/protocol.py``'s client.

``BackMsg.file_urls_request`` names the file, ``ForwardMsg.file_urls_response`` gives its id and upload URL
(``Session.upload_state`` asks for them over the websocket), an HTTP ``PUT`` of ``multipart/form-data``
(field ``file``) to that URL carries the XSRF cookie and the same value in ``X-Xsrftoken`` (``put_file``),
then the widget's state is a ``FileUploaderState`` listing the file (``uploader_state``).  The server
stores it under the session and refuses more than ``server.maxUploadSize``.
"""
from __future__ import annotations

import http.client
import urllib.parse
import uuid

from streamlit.proto.WidgetStates_pb2 import WidgetState


def put_file(base_url: str, upload_url: str, name: str, content: bytes, mime: str, headers: dict[str, str],
             timeout: float) -> None:
    """``PUT`` the file as multipart/form-data to ``upload_url``: a path under ``base_url``, as Streamlit
    gives it (``/_stcore/upload_file/<session>/<file>``), never another host.  ``headers``: the tab's
    ``Origin`` and XSRF headers."""
    base = urllib.parse.urlsplit(base_url)
    parts = urllib.parse.urlsplit(upload_url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        raise ValueError(f"{upload_url!r}: expected a path on this server")
    path = base.path.rstrip("/") + parts.path
    boundary = uuid.uuid4().hex
    safe_name = name.replace('"', "_").replace("\r", "_").replace("\n", "_")
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{safe_name}\"\r\n"
            f"Content-Type: {mime}\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Content-Length": str(len(body)),
               **headers}
    conn = http.client.HTTPConnection(base.hostname, base.port, timeout=timeout)
    try:
        conn.request("PUT", path, body=body, headers=headers)
        answer = conn.getresponse()
        answer.read()
    finally:
        conn.close()
    if answer.status >= 300:
        raise ConnectionError(f"the upload of {name!r} got HTTP {answer.status} {answer.reason}")


def uploader_state(uploader_id: str, urls, name: str, size: int) -> WidgetState:
    """The uploader's state that lists the file put at ``urls`` (a ``FileURLs`` of the server's answer)."""
    state = WidgetState(id=uploader_id)
    info = state.file_uploader_state_value.uploaded_file_info.add()
    info.file_id, info.name, info.size = urls.file_id, name, size
    info.file_urls.CopyFrom(urls)
    return state
