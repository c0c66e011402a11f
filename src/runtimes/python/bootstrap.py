"""Kindling's Python runtime: the process a Python execution environment runs, started as
`python3 $LAMBDA_RUNTIME_DIR/python/bootstrap.py` with Lambda's environment (wire contract 2.6).

It imports the handler named by _HANDLER ("package.module.function") from LAMBDA_TASK_ROOT, then serves
events from the Runtime API at AWS_LAMBDA_RUNTIME_API (wire contract 2.5) until the environment is shut
down. Standard library only. Error bodies, log lines and the context object follow AWS's Python runtime:
  error body  {"errorMessage", "errorType", "requestId", "stackTrace": [...]}
  log line    "[INFO]\t<ISO date>Z\t<request id>\t<message>\n"
"""

import decimal
import importlib
import json
import logging
import math
import os
import re
import socket
import sys
import time
import traceback

API_VERSION = "/2018-06-01"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
XRAY_ERROR_CAUSE_HEADER = "Lambda-Runtime-Function-XRay-Error-Cause"
# Error logs keep one event per error: lines are joined with "\r", indentation uses NO-BREAK SPACE.
ERROR_LOG_LINE_TERMINATE = "\r"
ERROR_LOG_IDENT = "\u00a0"
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
# A pre-warmed start (see take_assignment) waits for its function on this Kindling-internal call.
PREWARMED_MARKER = "_KINDLING_PREWARMED"
ASSIGNMENT_PATH = "/kindling/runtime/assignment"
NEXT_PATH = b"/2018-06-01/runtime/invocation/next"
# Where the host names a Unix socket to the Runtime API for Kindling's own clients (not Lambda's: taken out
# of os.environ before the function's code loads). Named in src/worker/guest-environment.ts too.
RUNTIME_API_SOCKET_VARIABLE = "_KINDLING_RUNTIME_API_SOCKET"
MAX_HEADER_BYTES = 16 * 1024
_PLAIN_SEGMENT = re.compile(rb"[A-Za-z0-9_.!~*'()-]+")
JSON_LOGS = (os.environ.get("AWS_LAMBDA_LOG_FORMAT") or "").upper() == "JSON"

_current_request_id = None


# --- errors -------------------------------------------------------------------------------------------


class FaultException(Exception):
    """A failure the runtime reports under one of Lambda's Runtime.* names."""

    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

    def __init__(self, exception_type, msg, trace=None):
        super().__init__(msg)
        self.msg = msg
        self.exception_type = exception_type
        self.trace = trace


def make_error(error_message, error_type, stack_trace, request_id=None):
    return {
        "errorMessage": error_message if error_message else "",
        "errorType": error_type if error_type else "",
        "requestId": request_id if request_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def user_frames(tb):
    """The traceback without this file's own frames, so a trace starts in the function's code."""
    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for i, frame in enumerate(frames):
        if not frame[0].endswith("/bootstrap.py"):
            return frames[i:]
    return frames


def make_xray_cause(error_type, error_message, frames):
    stack = [{"label": name, "path": path, "line": line} for path, line, name, _ in frames]
    return {
        "working_directory": os.getcwd(),
        "exceptions": [{"message": error_message, "type": error_type, "stack": stack}],
        "paths": sorted({path for path, _, _, _ in frames}),
    }


# --- logging ------------------------------------------------------------------------------------------


class Unbuffered(object):
    """Every write reaches the host at once: print() must not sit in a buffer while the process is frozen."""

    def __init__(self, stream):
        self.stream = stream

    def __getattr__(self, attr):
        return getattr(self.stream, attr)

    def write(self, msg):
        self.stream.write(msg)
        self.stream.flush()

    def writelines(self, msgs):
        self.stream.writelines(msgs)
        self.stream.flush()


class LambdaLoggerHandler(logging.Handler):
    def emit(self, record):
        try:
            sys.stdout.write(self.format(record))
        except Exception:
            self.handleError(record)


class LambdaLoggerFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _current_request_id or ""
        return True


_RESERVED_RECORD_FIELDS = {
    "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module", "exc_info",
    "exc_text", "stack_info", "lineno", "funcName", "created", "msecs", "relativeCreated", "thread",
    "threadName", "processName", "process", "aws_request_id", "taskName",
}


class JsonFormatter(logging.Formatter):
    """AWS_LAMBDA_LOG_FORMAT=JSON: one JSON object per record, with Lambda's field names."""

    def format(self, record):
        levelno = min(50, max(0, record.levelno)) // 10 * 10
        exc = record.exc_info
        result = {
            "timestamp": time.strftime(DATETIME_FORMAT, time.gmtime(record.created))
            + ".%03dZ" % record.msecs,
            "level": logging.getLevelName(levelno),
            "message": record.getMessage(),
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc[2]) if exc else None,
            "errorType": exc[0].__name__ if exc else None,
            "errorMessage": str(exc[1]) if exc else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": "%s:%s:%s" % (record.pathname, record.funcName, record.lineno) if exc else None,
        }
        for key, value in record.__dict__.items():
            if key not in _RESERVED_RECORD_FIELDS and key not in result:
                result[key] = value
        result = {k: v for k, v in result.items() if v is not None}
        return json.dumps(result, ensure_ascii=False, default=str) + "\n"


def setup_logging():
    sys.stdout = Unbuffered(sys.stdout)
    sys.stderr = Unbuffered(sys.stderr)
    logging.Formatter.converter = time.gmtime
    handler = LambdaLoggerHandler()
    if JSON_LOGS:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter(
                "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
                DATETIME_FORMAT,
            )
        )
    handler.addFilter(LambdaLoggerFilter())
    root = logging.getLogger()
    level = (os.environ.get("AWS_LAMBDA_LOG_LEVEL") or "").upper()
    level = {"TRACE": "DEBUG"}.get(level, level)
    if level in logging._nameToLevel:
        root.setLevel(level)
    root.addHandler(handler)


def log_error(error_result):
    """Writes an error the way AWS's Python runtime logs it, as one log event."""
    if JSON_LOGS:
        record = {"timestamp": time.strftime(DATETIME_FORMAT, time.gmtime()), "level": "ERROR"}
        record.update(error_result)
        sys.stdout.write(json.dumps(record) + "\n")
        return
    description = "[ERROR]"
    if error_result.get("errorType"):
        description += " " + error_result["errorType"]
    if error_result.get("errorMessage"):
        if error_result.get("errorType"):
            description += ":"
        description += " " + error_result["errorMessage"]
    lines = [description]
    stack_trace = error_result.get("stackTrace")
    if stack_trace is not None:
        lines.append("Traceback (most recent call last):")
        for element in stack_trace:
            if element == "":
                lines.append("")
                continue
            for line in element.splitlines():
                stripped = line.lstrip(" ")
                lines.append(ERROR_LOG_IDENT * (len(line) - len(stripped)) + stripped)
    sys.stdout.write(ERROR_LOG_LINE_TERMINATE.join(lines) + "\n")


# --- handler loading ----------------------------------------------------------------------------------


def set_sys_path():
    """Function code first, then layers, as Lambda orders them; never this runtime's own directory."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if p and os.path.abspath(p) != here]
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    version = "python%d.%d" % sys.version_info[:2]
    front = [task_root, "/opt/python/lib/%s/site-packages" % version, "/opt/python"]
    sys.path[:0] = [p for p in front if p not in sys.path]


def get_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(
            FaultException.MALFORMED_HANDLER_NAME, "Bad handler '{}': {}".format(handler, str(e))
        )
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                FaultException.BUILT_IN_MODULE_CONFLICT,
                "Cannot use built-in module {} as a handler module".format(modname),
            )
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultException(
            FaultException.IMPORT_MODULE_ERROR,
            "Unable to import module '{}': {}".format(modname, str(e)),
        )
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultException(
            FaultException.USER_CODE_SYNTAX_ERROR,
            "Syntax error in module '{}': {}".format(modname, str(e)),
            trace,
        )
    try:
        return getattr(module, fname)
    except AttributeError:
        raise FaultException(
            FaultException.HANDLER_NOT_FOUND,
            "Handler '{}' missing on module '{}'".format(fname, modname),
        )


# --- context ------------------------------------------------------------------------------------------


class CognitoIdentity(object):
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]


class Client(object):
    __slots__ = ["installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"]


class ClientContext(object):
    __slots__ = ["custom", "env", "client"]


def obj_from_dict(cls, values):
    if values is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, values.get(field))
    return obj


class LambdaContext(object):
    """The `context` argument of a Python handler, with AWS's attribute names."""

    def __init__(self, request_id, client_context, cognito_identity, deadline_ms, invoked_function_arn):
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.client_context = obj_from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = obj_from_dict(Client, self.client_context.client)
        self.identity = obj_from_dict(CognitoIdentity, {})
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        remaining = self._deadline_ms - int(time.time() * 1000)
        return remaining if remaining > 0 else 0

    def log(self, msg):
        sys.stdout.write(str(msg))


def parse_json_header(value, name):
    # SECURITY: client context and identity come from the caller; they are only parsed as JSON.
    try:
        return json.loads(value)
    except Exception as e:
        raise FaultException(
            FaultException.LAMBDA_CONTEXT_UNMARSHAL_ERROR, "Unable to parse {} JSON: {}".format(name, str(e))
        )


# --- marshalling --------------------------------------------------------------------------------------


class Encoder(json.JSONEncoder):
    """JSON as AWS's runtime writes it; Decimals (e.g. from DynamoDB) become numbers."""

    def default(self, obj):
        if isinstance(obj, decimal.Decimal):
            if obj.is_nan():
                return math.nan
            return int(obj) if obj == obj.to_integral_value() else float(obj)
        return super().default(obj)


_encoder = Encoder()


def unmarshal_event(body, content_type):
    if content_type and content_type != "application/json":
        return body
    try:
        return json.loads(body)
    except Exception as e:
        raise FaultException(FaultException.UNMARSHAL_ERROR, "Unable to unmarshal input: {}".format(str(e)))


def marshal_response(response):
    if isinstance(response, bytes):
        return response, "application/unknown"
    try:
        return _encoder.encode(response).encode("utf-8"), "application/json"
    except Exception as e:
        raise FaultException(FaultException.MARSHAL_ERROR, "Unable to marshal response: {}".format(str(e)))


# --- Runtime API client -------------------------------------------------------------------------------


class RuntimeApiClient(object):
    """The Runtime API over one persistent HTTP/1.1 connection, spoken directly on a socket.

    The environment's CPU share is small (a 128 MB function gets a few percent of a core) and every warm
    invoke makes two requests, so the client does the least it can: no http.client (its email-based header
    parsing costs more than the handler of a small function), and the next GET /next goes out in the same
    write as the POST that answers the current event (HTTP/1.1 pipelining; the Runtime API answers in order).
    Where the host offers it, the connection is a Unix socket straight to the Runtime API rather than TCP to
    AWS_LAMBDA_RUNTIME_API through the sandbox's forwarder (RUNTIME_API_SOCKET_VARIABLE)."""

    def __init__(self, address, socket_path=None):
        host, _, port = address.rpartition(":")
        self.host = host or address
        self.port = int(port) if host else 80
        if self.host.startswith("[") and self.host.endswith("]"):
            self.host = self.host[1:-1]
        self.host_header = (address if host else self.host).encode("latin-1")
        self.socket_path = socket_path
        self.sock = None
        # Bytes received past the last response read (the start of the next pipelined answer).
        self.buffer = b""
        # Whether the connection has carried an earlier exchange (a failure before any answer may be retried).
        self.reused = False
        # A GET /next already sent behind the last POST, whose answer is still to be read.
        self.next_sent = False

    def use_socket(self, path):
        """From now on, talk to the Runtime API over this Unix socket (a pre-warmed start learns it late)."""
        self.socket_path = path
        self._close()

    def _connect(self):
        if self.socket_path is not None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(self.socket_path)
        else:
            # No timeout: /next waits as long as the environment is idle (and possibly frozen).
            sock = socket.create_connection((self.host, self.port))
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = sock
        self.buffer = b""
        self.reused = False

    def _close(self):
        if self.sock is not None:
            self.sock.close()
        self.sock = None
        self.buffer = b""
        self.next_sent = False

    def _message(self, method, path, body=b"", headers=()):
        head = [method, b" ", path, b" HTTP/1.1\r\nHost: ", self.host_header, b"\r\n"]
        for name, value in headers:
            head += [name, b": ", value, b"\r\n"]
        if method == b"POST":
            head += [b"Content-Length: ", str(len(body)).encode(), b"\r\n\r\n", body]
        else:
            head.append(b"\r\n")
        return b"".join(head)

    def _exchange(self, message, answers):
        """Sends `message` (`answers` requests) and reads the answers, in order: [(status, headers, body)].
        A reused connection that fails before any answer arrived is retried once on a fresh one."""
        for attempt in (1, 2):
            if self.sock is None:
                self._connect()
            retryable = self.reused
            try:
                self.sock.sendall(message)
                results = []
                for _ in range(answers):
                    results.append(self._read_response())
                    retryable = False
                return results
            except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError, EOFError):
                self._close()
                if attempt == 2 or not retryable:
                    raise

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("the Runtime API closed the connection")
        self.buffer += chunk

    def _read_response(self):
        # SECURITY: everything here comes from the Runtime API; sizes are bounded and parsed strictly.
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end >= 0:
                break
            if len(self.buffer) > MAX_HEADER_BYTES:
                raise RuntimeError("Runtime API: header block too large")
            self._fill()
        lines = self.buffer[:end].decode("latin-1").split("\r\n")
        self.buffer = self.buffer[end + 4 :]
        status_line = lines[0]
        if not status_line.startswith("HTTP/1."):
            raise RuntimeError("Runtime API: malformed response")
        status = int(status_line[9:12])
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                raise RuntimeError("Runtime API: malformed header")
            name = name.strip().lower()
            value = value.strip()
            headers[name] = headers[name] + ", " + value if name in headers else value
        keep_alive = status_line.startswith("HTTP/1.1") and headers.get("connection", "").lower() != "close"
        if "transfer-encoding" in headers:
            body = self._read_chunked()
        elif "content-length" in headers:
            length = int(headers["content-length"])
            while len(self.buffer) < length:
                self._fill()
            body = self.buffer[:length]
            self.buffer = self.buffer[length:]
        else:
            # The body runs to the end of the connection.
            while True:
                try:
                    self._fill()
                except EOFError:
                    break
            body = self.buffer
            self.buffer = b""
            keep_alive = False
        if keep_alive:
            self.reused = True
        else:
            self._close()
        return status, headers, body

    def _read_chunked(self):
        parts = []
        while True:
            while b"\r\n" not in self.buffer:
                self._fill()
            line, _, self.buffer = self.buffer.partition(b"\r\n")
            size = int(line.split(b";")[0].strip(), 16)
            if size == 0:
                while True:
                    while b"\r\n" not in self.buffer:
                        self._fill()
                    trailer, _, self.buffer = self.buffer.partition(b"\r\n")
                    if not trailer:
                        return b"".join(parts)
            while len(self.buffer) < size + 2:
                self._fill()
            parts.append(self.buffer[:size])
            self.buffer = self.buffer[size + 2 :]

    def await_assignment(self):
        """A pre-warmed runtime's wait for its function: the environment it must take on."""
        [(status, _, body)] = self._exchange(self._message(b"GET", ASSIGNMENT_PATH.encode()), 1)
        if status != 200:
            raise RuntimeError("Runtime API assignment answered %d: %r" % (status, body))
        return json.loads(body)["environment"]

    def next_invocation(self):
        """The next event: (headers with lower-case names, body). Its GET may already be on its way."""
        if self.next_sent:
            self.next_sent = False
            try:
                status, headers, body = self._read_response()
            except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError, EOFError):
                self._close()
                raise
        else:
            [(status, headers, body)] = self._exchange(self._message(b"GET", NEXT_PATH), 1)
        if status != 200:
            raise RuntimeError("Runtime API /next answered %d: %r" % (status, body))
        return headers, body

    def post_response(self, request_id, body, content_type):
        self._post(
            b"/2018-06-01/runtime/invocation/%s/response" % path_segment(request_id),
            body,
            [(b"Content-Type", content_type.encode("latin-1"))],
            then_next=True,
        )

    def post_error(self, request_id, error_result, xray_cause=None):
        headers = [(b"Content-Type", b"application/json"), error_type_header(error_result)]
        if xray_cause is not None:
            cause = json.dumps(xray_cause)
            if len(cause) < 1024 * 1024:
                headers.append((XRAY_ERROR_CAUSE_HEADER.encode(), cause.encode("latin-1")))
        self._post(
            b"/2018-06-01/runtime/invocation/%s/error" % path_segment(request_id),
            json.dumps(error_result).encode(),
            headers,
            then_next=True,
        )

    def post_init_error(self, error_result):
        headers = [(b"Content-Type", b"application/json"), error_type_header(error_result)]
        self._post(b"/2018-06-01/runtime/init/error", json.dumps(error_result).encode(), headers)

    def _post(self, path, body, headers, then_next=False):
        message = self._message(b"POST", path, body, headers)
        if then_next:
            # The next GET /next rides in the same write; its answer is read by next_invocation().
            message += self._message(b"GET", NEXT_PATH)
        [(status, _, answer)] = self._exchange(message, 1)
        self.next_sent = then_next and self.sock is not None
        if status >= 300:
            sys.stderr.write("Runtime API %s answered %d: %r\n" % (path.decode("latin-1"), status, answer))


def path_segment(value):
    """A request id as one URL path segment (percent-encoded where it is not plain, as the Node.js client)."""
    raw = (value or "").encode("utf-8")
    if _PLAIN_SEGMENT.fullmatch(raw):
        return raw
    return b"".join(bytes((c,)) if _PLAIN_SEGMENT.fullmatch(bytes((c,))) else b"%%%02X" % c for c in raw)


def error_type_header(error_result):
    # SECURITY: the error type comes from the function's exception; a CR, LF or other control character
    # would split the header block, so such a name is reported as Runtime.Unknown.
    error_type = error_result["errorType"] or "Runtime.Unknown"
    try:
        value = error_type.encode("latin-1")
    except UnicodeEncodeError:
        value = b"Runtime.Unknown"
    if any(c < 0x20 and c != 0x09 or c == 0x7F for c in value):
        value = b"Runtime.Unknown"
    return (ERROR_TYPE_HEADER.encode(), value)


# --- the loop -----------------------------------------------------------------------------------------


def handle_event(client, request_handler, headers, body):
    request_id = headers.get("lambda-runtime-aws-request-id")
    error_result = None
    xray_cause = None
    try:
        client_context = headers.get("lambda-runtime-client-context")
        identity = headers.get("lambda-runtime-cognito-identity")
        context = LambdaContext(
            request_id,
            parse_json_header(client_context, "Client Context") if client_context else None,
            parse_json_header(identity, "Cognito Identity") if identity else None,
            int(headers.get("lambda-runtime-deadline-ms") or 0),
            headers.get("lambda-runtime-invoked-function-arn"),
        )
        event = unmarshal_event(body, headers.get("content-type"))
        result, content_type = marshal_response(request_handler(event, context))
    except FaultException as e:
        error_result = make_error(e.msg, e.exception_type, e.trace, request_id)
        xray_cause = make_xray_cause("LambdaValidationError", e.msg, [])
    except Exception:
        etype, value, tb = sys.exc_info()
        frames = user_frames(tb)
        error_result = make_error(str(value), etype.__name__, traceback.format_list(frames), request_id)
        xray_cause = make_xray_cause(etype.__name__, str(value), frames)

    if error_result is not None:
        log_error(error_result)
        client.post_error(request_id, error_result, xray_cause)
    else:
        client.post_response(request_id, result, content_type)


def take_runtime_api_socket():
    """The Unix socket the host offers to the Runtime API, if any; its variable leaves the environment."""
    path = os.environ.pop(RUNTIME_API_SOCKET_VARIABLE, None)
    return path or None


def take_assignment(client):
    """A pre-warmed start: this process was started before any function was known, with Kindling's marker
    and nothing of any function. It waits (everything above already imported) until the host has
    specialised the environment, then takes on exactly the function's environment."""
    global JSON_LOGS
    environment = client.await_assignment()
    # The interpreter itself sets LC_CTYPE when it coerces the C locale (PEP 538) at start; a fresh start of
    # the function's runtime would have done the same (its locale variables are the pool's), so it stays.
    coerced = os.environ.get("LC_CTYPE")
    os.environ.clear()
    os.environ.update(environment)
    if coerced is not None and "LC_CTYPE" not in environment and "LC_ALL" not in environment:
        os.environ["LC_CTYPE"] = coerced
    # The assigned environment names the Runtime API's socket, if the host offers one (see
    # take_runtime_api_socket); the function never sees the name.
    socket_path = take_runtime_api_socket()
    if socket_path is not None:
        client.use_socket(socket_path)
    time.tzset()
    JSON_LOGS = (os.environ.get("AWS_LAMBDA_LOG_FORMAT") or "").upper() == "JSON"
    task_root = os.environ.get("LAMBDA_TASK_ROOT")
    if task_root and task_root != os.getcwd():
        os.chdir(task_root)


def main():
    global _current_request_id
    client = RuntimeApiClient(
        os.environ.get("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"), take_runtime_api_socket()
    )
    if os.environ.get(PREWARMED_MARKER) == "1":
        take_assignment(client)
    setup_logging()
    set_sys_path()

    try:
        request_handler = get_handler(os.environ.get("_HANDLER", ""))
    except FaultException as e:
        error_result = make_error(e.msg, e.exception_type, e.trace)
        log_error(error_result)
        client.post_init_error(error_result)
        sys.exit(1)
    except Exception:
        # An exception raised while the module's own top-level code runs.
        etype, value, tb = sys.exc_info()
        error_result = make_error(str(value), etype.__name__, traceback.format_list(user_frames(tb)))
        log_error(error_result)
        client.post_init_error(error_result)
        sys.exit(1)

    while True:
        headers, body = client.next_invocation()
        _current_request_id = headers.get("lambda-runtime-aws-request-id")
        trace_id = headers.get("lambda-runtime-trace-id")
        if trace_id is not None:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        handle_event(client, request_handler, headers, body)


if __name__ == "__main__":
    main()
