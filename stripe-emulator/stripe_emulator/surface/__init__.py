"""What faces the outside: the WSGI application, the `/_emulator` admin routes, the hosted pages, the server."""
