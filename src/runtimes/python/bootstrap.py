"""Kindling's Python runtime: the process a Python execution environment runs, started as
`python3 $LAMBDA_RUNTIME_DIR/python/bootstrap.py` with Lambda's environment (wire contract 2.6).

It imports the handler named by _HANDLER ("package.module.function") from LAMBDA_TASK_ROOT, then serves
events from the Runtime API at AWS_LAMBDA_RUNTIME_API (wire contract 2.5) until the environment is shut
down. Standard library only. Error bodies, log lines and the context object follow AWS's Python runtime:
  error body  {"errorMessage", "errorType", "requestId", "stackTrace": [...]}
  log line    "[INFO]\t<ISO date>Z\t<request id>\t<message>\n"
"""

import decimal
import http.client
import importlib
import json
import logging
import math
import os
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
    """One persistent HTTP/1.1 connection to AWS_LAMBDA_RUNTIME_API."""

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self.host = host or address
        self.port = int(port) if host else 80
        self.connection = None

    def _request(self, method, path, body=None, headers=None, prefix=API_VERSION):
        for attempt in (1, 2):
            if self.connection is None:
                # No timeout: /next waits as long as the environment is idle (and possibly frozen).
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=None)
            try:
                self.connection.request(method, prefix + path, body=body, headers=headers or {})
                response = self.connection.getresponse()
                return response, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed the idle keep-alive connection; nothing reached it, so retry once.
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise

    def await_assignment(self):
        """A pre-warmed runtime's wait for its function: the environment it must take on."""
        response, body = self._request("GET", ASSIGNMENT_PATH, prefix="")
        if response.status != 200:
            raise RuntimeError("Runtime API assignment answered %d: %r" % (response.status, body))
        return json.loads(body)["environment"]

    def next_invocation(self):
        response, body = self._request("GET", "/runtime/invocation/next")
        if response.status != 200:
            raise RuntimeError("Runtime API /next answered %d: %r" % (response.status, body))
        return response.headers, body

    def post_response(self, request_id, body, content_type):
        self._post("/runtime/invocation/%s/response" % request_id, body, {"Content-Type": content_type})

    def post_error(self, request_id, error_result, xray_cause=None):
        headers = {ERROR_TYPE_HEADER: error_result["errorType"] or "Runtime.Unknown"}
        if xray_cause is not None:
            cause = json.dumps(xray_cause)
            if len(cause) < 1024 * 1024:
                headers[XRAY_ERROR_CAUSE_HEADER] = cause
        self._post("/runtime/invocation/%s/error" % request_id, json.dumps(error_result).encode(), headers)

    def post_init_error(self, error_result):
        headers = {ERROR_TYPE_HEADER: error_result["errorType"] or "Runtime.Unknown"}
        self._post("/runtime/init/error", json.dumps(error_result).encode(), headers)

    def _post(self, path, body, headers):
        headers = dict(headers)
        headers.setdefault("Content-Type", "application/json")
        response, answer = self._request("POST", path, body, headers)
        if response.status >= 300:
            sys.stderr.write("Runtime API %s answered %d: %r\n" % (path, response.status, answer))


# --- the loop -----------------------------------------------------------------------------------------


def handle_event(client, request_handler, headers, body):
    request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
    error_result = None
    xray_cause = None
    try:
        client_context = headers.get("Lambda-Runtime-Client-Context")
        identity = headers.get("Lambda-Runtime-Cognito-Identity")
        context = LambdaContext(
            request_id,
            parse_json_header(client_context, "Client Context") if client_context else None,
            parse_json_header(identity, "Cognito Identity") if identity else None,
            int(headers.get("Lambda-Runtime-Deadline-Ms") or 0),
            headers.get("Lambda-Runtime-Invoked-Function-Arn"),
        )
        event = unmarshal_event(body, headers.get("Content-Type"))
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
    time.tzset()
    JSON_LOGS = (os.environ.get("AWS_LAMBDA_LOG_FORMAT") or "").upper() == "JSON"
    task_root = os.environ.get("LAMBDA_TASK_ROOT")
    if task_root and task_root != os.getcwd():
        os.chdir(task_root)


def main():
    global _current_request_id
    client = RuntimeApiClient(os.environ.get("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"))
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
        _current_request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        trace_id = headers.get("Lambda-Runtime-Trace-Id")
        if trace_id is not None:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        handle_event(client, request_handler, headers, body)


if __name__ == "__main__":
    main()
