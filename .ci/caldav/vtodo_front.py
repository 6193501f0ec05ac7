"""A front for a CalDAV server that makes it a tasks-only one, as taskd is:
a PUT of anything but a VTODO (an event, a journal) is refused with 403
`supported-calendar-component`, and a calendar made by MKCALENDAR or
extended MKCOL holds VTODO only. Everything else passes through as is.
caldav-server-tester's reference for taskd is Radicale behind this front.

Usage: python3 vtodo_front.py LISTEN_PORT UPSTREAM_PORT
"""

import http.client
import http.server
import re
import sys
from xml.etree import ElementTree

listen_port, upstream_port = int(sys.argv[1]), int(sys.argv[2])
DAV, CALDAV = "DAV:", "urn:ietf:params:xml:ns:caldav"
REFUSAL = (
    b'<?xml version="1.0" encoding="utf-8"?>\n<d:error xmlns:d="DAV:" '
    b'xmlns:c="urn:ietf:params:xml:ns:caldav"><c:supported-calendar-component/></d:error>\n'
)
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "proxy-connection"}


def vtodo_only(method, body):
    """A MKCALENDAR or MKCOL body whose component set is VTODO alone."""
    ElementTree.register_namespace("D", DAV)
    ElementTree.register_namespace("C", CALDAV)
    if not body.strip():
        root = ElementTree.Element(f"{{{CALDAV}}}mkcalendar" if method == "MKCALENDAR" else f"{{{DAV}}}mkcol")
    else:
        root = ElementTree.fromstring(body)
    prop = root.find(f"{{{DAV}}}set/{{{DAV}}}prop")
    if prop is None:
        prop = ElementTree.SubElement(ElementTree.SubElement(root, f"{{{DAV}}}set"), f"{{{DAV}}}prop")
    for old in prop.findall(f"{{{CALDAV}}}supported-calendar-component-set"):
        prop.remove(old)
    components = ElementTree.SubElement(prop, f"{{{CALDAV}}}supported-calendar-component-set")
    ElementTree.SubElement(components, f"{{{CALDAV}}}comp", name="VTODO")
    if method == "MKCOL" and prop.find(f"{{{DAV}}}resourcetype") is None:
        kind = ElementTree.SubElement(prop, f"{{{DAV}}}resourcetype")
        ElementTree.SubElement(kind, f"{{{DAV}}}collection")
        ElementTree.SubElement(kind, f"{{{CALDAV}}}calendar")
    return ElementTree.tostring(root, xml_declaration=True, encoding="utf-8")


class Front(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        method = self.command
        if method == "PUT" and re.search(rb"BEGIN:(VEVENT|VJOURNAL)", body, re.I):
            return self.answer(403, {"Content-Type": "application/xml; charset=utf-8"}, REFUSAL)
        if method in ("MKCALENDAR", "MKCOL"):
            try:
                body = vtodo_only(method, body)
            except ElementTree.ParseError:
                pass
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP | {"content-length", "host"}}
        headers["Content-Length"] = str(len(body))
        headers["Host"] = f"127.0.0.1:{upstream_port}"
        upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=60)
        upstream.request(method, self.path, body=body, headers=headers)
        reply = upstream.getresponse()
        content = reply.read()
        answer_headers = {k: v for k, v in reply.getheaders() if k.lower() not in HOP_BY_HOP | {"content-length"}}
        upstream.close()
        self.answer(reply.status, answer_headers, content)

    def answer(self, status, headers, content):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    def __getattr__(self, name):
        if name.startswith("do_"):
            return self.handle_any
        raise AttributeError(name)


http.server.ThreadingHTTPServer(("127.0.0.1", listen_port), Front).serve_forever()
