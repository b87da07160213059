/// The JavaScript (ES5) that a query-server process evaluates once at start: CouchDB's couchjs
/// helpers (`emit`, `log`, `sum`, `toJSON`, `isArray`) and the request dispatcher.
///
/// Each request is one line of JSON handed to `__gasp_dispatch`, which answers one line of JSON:
/// `{"ok": result}` or `{"error": code, "reason": text}`, plus `"log": [messages]` when the
/// functions logged. Numbers become JavaScript doubles on the way in, exactly as in couchjs.
enum QueryServerPrelude {
    static let source = #"""
(function (global) {
    var designs = {};
    var reduceCache = {};
    var reduceCacheSize = 0;
    var logs = [];
    var rows = null;
    var lineLength = 0;
    var hasOwn = Object.prototype.hasOwnProperty;

    function errorText(e) {
        if (e === undefined) { return 'undefined'; }
        if (e === null) { return 'null'; }
        if (e instanceof Error) { return String(e); }
        if (typeof e === 'object') {
            try { return JSON.stringify(e); } catch (x) { return String(e); }
        }
        return String(e);
    }

    function compile(src, what) {
        var text = String(src).replace(/[\s;]+$/, '');
        var fn;
        try {
            fn = (0, eval)('(' + text + '\n)');
        } catch (e) {
            throw { error: 'compilation_error',
                    reason: 'Compilation of ' + what + ' failed: ' + errorText(e) + ' (' + src + ')' };
        }
        if (typeof fn !== 'function') {
            throw { error: 'compilation_error',
                    reason: 'Compilation of ' + what + ' failed: Expression does not eval to a function. (' + src + ')' };
        }
        return fn;
    }

    // Deep-freezes a parsed document (no cycles possible) so one map cannot change what the next sees.
    function seal(value) {
        Object.freeze(value);
        var keys = Object.keys(value);
        for (var i = 0; i < keys.length; i++) {
            var member = value[keys[i]];
            if (member !== null && typeof member === 'object') { seal(member); }
        }
    }

    function reduceFunction(src) {
        var fn = reduceCache[src];
        if (fn === undefined) {
            fn = compile(src, 'the reduce function');
            if (reduceCacheSize > 256) { reduceCache = {}; reduceCacheSize = 0; }
            reduceCache[src] = fn;
            reduceCacheSize += 1;
        }
        return fn;
    }

    // CommonJS `require` over a design document's strings, as couchjs provides it: map
    // functions see only `views.lib`, validate_doc_update the whole document.
    function makeRequire(root) {
        var cache = {};
        function requireFrom(parentId) {
            return function (name) {
                var parts = String(name).split('/');
                var path = (parts[0] === '.' || parts[0] === '..') ? parentId.split('/').slice(0, -1) : [];
                for (var i = 0; i < parts.length; i++) {
                    if (parts[i] === '..') {
                        if (path.length === 0) { throw { error: 'invalid_require_path', reason: 'Object has no parent ' + name }; }
                        path.pop();
                    } else if (parts[i] !== '.' && parts[i] !== '') {
                        path.push(parts[i]);
                    }
                }
                var id = path.join('/');
                if (hasOwn.call(cache, id)) { return cache[id].exports; }
                var node = root;
                for (var j = 0; j < path.length; j++) {
                    if (node === null || typeof node !== 'object' || !hasOwn.call(node, path[j])) {
                        throw { error: 'invalid_require_path', reason: 'Object has no property "' + path[j] + '" (' + name + ')' };
                    }
                    node = node[path[j]];
                }
                if (typeof node !== 'string') {
                    throw { error: 'invalid_require_path', reason: 'Must require a JavaScript string, not: ' + typeof node };
                }
                var module = { id: id, exports: {} };
                cache[id] = module;
                var body = (0, eval)('(function (module, exports, require) {\n' + node + '\n})');
                body(module, module.exports, requireFrom(id));
                return module.exports;
            };
        }
        return requireFrom('');
    }

    function definedOrNull(v) { return v === undefined ? null : v; }

    // couchjs's reduce_limit (on by default in CouchDB): a reduce whose output does not shrink
    // is replaced by {reduce_overflow_error: message}.
    function limited(result, src) {
        result = definedOrNull(result);
        var outputLength = JSON.stringify(result).length;
        var inputLength = lineLength - String(src).length;
        if (outputLength > 4096 && outputLength * 2 > inputLength) {
            return { reduce_overflow_error: 'Reduce output must shrink more rapidly: input size: ' + inputLength + ' output size: ' + outputLength };
        }
        return result;
    }

    global.emit = function (key, value) {
        if (rows === null) { throw new Error('emit() called outside a map function'); }
        rows.push([key, value]);
    };
    global.log = function (message) {
        if (typeof message !== 'string') { message = errorText(message); }
        logs.push(String(message));
    };
    global.sum = function (values) {
        var total = 0;
        for (var i = 0; i < values.length; i++) { total += values[i]; }
        return total;
    };
    global.toJSON = function (value) { return JSON.stringify(value); };
    global.isArray = function (value) { return Array.isArray(value); };

    var handlers = {
        // Compiles a design document's functions and keeps them under `key`.
        load: function (req) {
            var maps = [], i;
            for (i = 0; i < req.maps.length; i++) {
                maps.push(compile(req.maps[i].map, "the map function in the '" + req.maps[i].name + "' view"));
            }
            for (i = 0; i < req.reduces.length; i++) {
                compile(req.reduces[i].reduce, "the reduce function in the '" + req.reduces[i].name + "' view");
            }
            var validate = null;
            if (typeof req.validate === 'string') { validate = compile(req.validate, 'validate_doc_update'); }
            var ddoc = req.ddoc || {};
            var lib = (ddoc.views && ddoc.views.lib) ? { views: { lib: ddoc.views.lib } } : { views: {} };
            if (req.key !== null) {
                designs[req.key] = { maps: maps, validate: validate, ddoc: ddoc,
                                     mapRequire: makeRequire(lib), fullRequire: makeRequire(ddoc) };
            }
            return true;
        },
        drop: function (req) { delete designs[req.key]; return true; },
        reset: function () { designs = {}; reduceCache = {}; reduceCacheSize = 0; return true; },
        // Runs every map function over every document: result[doc][view] = [[key, value], ...].
        map: function (req) {
            var design = designs[req.key];
            if (design === undefined) { throw { error: 'not_loaded', reason: req.key }; }
            var docs = req.docs, maps = design.maps, out = new Array(docs.length), failures = [];
            global.require = design.mapRequire;
            for (var i = 0; i < docs.length; i++) {
                var doc = docs[i];
                if (doc !== null && typeof doc === 'object') { seal(doc); }
                var perView = new Array(maps.length);
                for (var j = 0; j < maps.length; j++) {
                    rows = [];
                    try {
                        maps[j](doc);
                        perView[j] = rows;
                    } catch (e) {
                        perView[j] = [];
                        failures.push([i, j, errorText(e)]);
                    }
                }
                out[i] = perView;
            }
            rows = null;
            return { rows: out, failures: failures };
        },
        reduce: function (req) {
            var fn = reduceFunction(req.src);
            var keys = new Array(req.kvs.length), values = new Array(req.kvs.length);
            for (var i = 0; i < req.kvs.length; i++) { keys[i] = req.kvs[i][0]; values[i] = req.kvs[i][1]; }
            return limited(fn(keys, values, false), req.src);
        },
        rereduce: function (req) {
            return limited(reduceFunction(req.src)(null, req.values, true), req.src);
        },
        validate: function (req) {
            var design = designs[req.key];
            if (design === undefined) { throw { error: 'not_loaded', reason: req.key }; }
            if (design.validate === null) { return true; }
            global.require = design.fullRequire;
            return validateOne(design, req.newDoc, req.oldDoc, req.userCtx, req.secObj);
        },
        // validate for docs = [[newDoc, oldDoc], ...]: one outcome per pair, in order. Every call
        // gets its own copy of userCtx and secObj, as separate couchjs calls would.
        validate_batch: function (req) {
            var design = designs[req.key];
            if (design === undefined) { throw { error: 'not_loaded', reason: req.key }; }
            var docs = req.docs, out = new Array(docs.length), i;
            if (design.validate === null) {
                for (i = 0; i < docs.length; i++) { out[i] = true; }
                return out;
            }
            global.require = design.fullRequire;
            var userCtx = JSON.stringify(req.userCtx), secObj = JSON.stringify(req.secObj);
            for (i = 0; i < docs.length; i++) {
                out[i] = validateOne(design, docs[i][0], docs[i][1], JSON.parse(userCtx), JSON.parse(secObj));
            }
            return out;
        }
    };

    // Runs a validate_doc_update: true, or the refusal as {forbidden|unauthorized|error, reason}.
    function validateOne(design, newDoc, oldDoc, userCtx, secObj) {
        try {
            design.validate.call(design.ddoc, newDoc, oldDoc, userCtx, secObj);
            return true;
        } catch (e) {
            if (typeof e === 'string') { return { error: 'unknown_error', reason: e }; }
            if (e !== null && typeof e === 'object' && !(e instanceof Error)) {
                if (e.forbidden !== undefined) { return { forbidden: typeof e.forbidden === 'string' ? e.forbidden : errorText(e.forbidden) }; }
                if (e.unauthorized !== undefined) { return { unauthorized: typeof e.unauthorized === 'string' ? e.unauthorized : errorText(e.unauthorized) }; }
                return { error: 'unknown_error', reason: errorText(e) };
            }
            if (e instanceof Error) { return { error: String(e.name || 'Error'), reason: String(e.message) }; }
            return { error: 'unknown_error', reason: errorText(e) };
        }
    }

    global.__gasp_dispatch = function (line) {
        logs = [];
        rows = null;
        lineLength = line.length;
        var response;
        try {
            var req = JSON.parse(line);
            var handler = handlers[req.op];
            if (handler === undefined) { throw { error: 'unknown_command', reason: String(req.op) }; }
            response = { ok: handler(req) };
        } catch (e) {
            if (e !== null && typeof e === 'object' && typeof e.error === 'string') {
                response = { error: e.error, reason: String(e.reason) };
            } else {
                response = { error: 'query_server_error', reason: errorText(e) };
            }
        }
        if (logs.length > 0) { response.log = logs; }
        try {
            return JSON.stringify(response);
        } catch (e) {
            return JSON.stringify({ error: 'query_server_error', reason: 'result is not JSON: ' + errorText(e), log: logs });
        }
    };
})(this);
"""#
}
