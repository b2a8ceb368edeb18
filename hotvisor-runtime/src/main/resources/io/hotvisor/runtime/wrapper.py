# Hotvisor's guest-side wrapper for Python functions: parsed once per engine, evaluated first in every sandbox.
# Its members are called by PolyglotSandbox; see PolyglotLanguage for the protocol. It lives in a function that
# the last line removes from __main__'s globals, so the function's module sees nothing of it.
def _hotvisor_wrapper():
    # Only cheap modules here: every sandbox (a new GraalPy context) imports them again. inspect and traceback
    # pull in large module trees, so they are avoided (resolve) or imported only when an error is described.
    import json
    import sys
    import time
    import types

    def _refuse_signals():
        # GraalPy's _signal acts on the node's JVM, not on the function: raise_signal(SIGTERM) sends the node a
        # real SIGTERM (it stopped), signal(SIGTERM, SIG_IGN) installs a JVM-wide handler (the node then ignored
        # SIGTERM), and getsignal swaps the JVM's handler for a moment to read it. Replaced in the builtin module
        # itself, before the function's code runs: `import signal` copies or calls these, and `import _signal`
        # finds this same module.
        import _signal

        def refused(name):
            def refuse(*args, **kwargs):
                raise PermissionError('signal.' + name + ' is not available in a Hotvisor function: signals'
                                      ' would reach the node, not the function')
            refuse.__name__ = name
            return refuse

        def getsignal(signalnum):
            return _signal.SIG_DFL

        names = ('signal', 'raise_signal', 'alarm', 'setitimer', 'pthread_kill', 'pthread_sigmask', 'siginterrupt',
                 'set_wakeup_fd', 'sigwait', 'sigwaitinfo', 'sigtimedwait')
        for module in [_signal] + ([sys.modules['signal']] if 'signal' in sys.modules else []):
            for name in names:
                if hasattr(module, name):
                    setattr(module, name, refused(name))
            module.getsignal = getsignal

    _refuse_signals()
    state = {}
    # What invoke's path calls, as the standard library defines it (before the function's module runs): see prime.
    _path = {'json.loads': json.loads, 'json.dumps': json.dumps, 'time.monotonic': time.monotonic}

    class LambdaContext:
        """The context object of AWS Lambda's Python runtime, with the fields functions use."""

        def __init__(self, invocation_id, function_name, version, memory_mb, remaining_ms):
            self.aws_request_id = invocation_id
            self.invocation_id = invocation_id
            self.function_name = function_name
            self.function_version = str(version)
            self.memory_limit_in_mb = str(memory_mb)
            self._deadline = time.monotonic() + remaining_ms / 1000.0

        def get_remaining_time_in_millis(self):
            return max(0, int((self._deadline - time.monotonic()) * 1000))

    def init(env_json, main_file, bundle_root):
        module_name = state['module_name'] = _module_name(main_file, bundle_root)
        main = sys.modules['__main__']
        # The function's file runs in __main__ (that is where GraalPy evaluates a Source), but as the module it is
        # in Lambda: `if __name__ == '__main__':` blocks stay off, and `import index` finds this very module.
        main.__dict__['__name__'] = module_name
        main.__dict__['__file__'] = main_file
        sys.modules[module_name] = main
        if bundle_root:
            sys.path.insert(0, bundle_root)

    def _module_name(main_file, bundle_root):
        relative = main_file[len(bundle_root) + 1:] if bundle_root else main_file
        return relative[:-3].replace('/', '.') if relative.endswith('.py') else relative

    def load(evaluated):
        # The function's file was evaluated in __main__ already; nothing to call.
        return None

    def resolve(name):
        namespace = sys.modules['__main__'].__dict__
        if name not in namespace:
            defined = [k for k, v in namespace.items()
                       if not k.startswith('_') and isinstance(v, types.FunctionType)
                       and v.__module__ == state['module_name']]
            return 'missing:' + json.dumps(defined)
        fn = namespace[name]
        if not callable(fn):
            return 'notfunction:' + ('None' if fn is None else type(fn).__name__)
        state['handler'] = fn
        state['pass_context'] = _takes_context(fn)
        return 'ok'

    def _takes_context(fn):
        # Lambda's handler(event, context) gets a context; OpenWhisk's main(args) does not. Read from the code
        # object rather than inspect.signature, to keep inspect out of every sandbox.
        code = getattr(fn, '__code__', None)
        if code is None:
            return True
        if code.co_flags & 0x04:  # CO_VARARGS: *args
            return True
        positional = code.co_argcount  # positional-only and positional-or-keyword parameters
        if isinstance(fn, types.MethodType):
            positional -= 1  # self is bound already
        return positional >= 2

    def invoke(event_json, invocation_id, function_name, version, memory_mb, remaining_ms):
        event = None if event_json is None else json.loads(event_json)
        if state['pass_context']:
            result = state['handler'](event, LambdaContext(invocation_id, function_name, version, memory_mb, remaining_ms))
        else:
            result = state['handler'](event)
        if result is None:
            return None
        try:
            return json.dumps(result)
        except (TypeError, ValueError) as e:
            raise TypeError("The handler's result cannot be encoded as JSON: " + str(e)) from None

    def prime(event_json):
        # Runs invoke's own path once (json.loads, LambdaContext, a call, json.dumps) with a stand-in for the handler,
        # so that a new context pays its first use of that path before it serves. It never calls the function's
        # code: not the handler, and not a replacement the function's module made for what the path calls. (A module
        # that patches json's classes, e.g. JSONDecoder.decode, does see the sample: not guarded against.)
        replaced = [name for name, now in (('json.loads', json.loads), ('json.dumps', json.dumps),
                                           ('time.monotonic', time.monotonic)) if now is not _path[name]]
        if replaced:
            return 'skipped: the function replaced ' + ', '.join(replaced)
        handler = state['handler']
        state['handler'] = _stand_in
        try:
            invoke(event_json, 'prime', 'prime', 0, 128, 1000)
        finally:
            state['handler'] = handler
        return 'primed'

    def _stand_in(event, context=None):
        return event

    def describe(e):
        import traceback
        frames = [[f.name, f.filename, f.lineno or 0] for f in traceback.extract_tb(e.__traceback__)]
        frames.reverse()
        return [type(e).__name__, str(e), frames]

    return types.SimpleNamespace(init=init, load=load, resolve=resolve, invoke=invoke, prime=prime, describe=describe)

globals().pop('_hotvisor_wrapper')()
