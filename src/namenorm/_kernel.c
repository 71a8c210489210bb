/* The compiled inner loops of fuzzy lookup (namenorm.phonetic, namenorm.neighbours,
 * namenorm.fuzzy) and of key look-ups (namenorm.store).
 *
 * A query part nobody listed is read (its spelling codes, by the rules of
 * phonetic.yaml), looked up under its blocking keys, and compared with every table
 * row those keys find: hundreds of pairs per part on a large table, each needing three
 * edit distances (between the spelling codes, their consonants and their skeletons)
 * and a little arithmetic; its neighbours then lead to names, and each lookup weighs
 * and scores a few candidate names. Done from Python, these loops were most of a
 * fuzzy lookup's time. Sections, in order:
 *
 *   distances   Levenshtein, bit-parallel;
 *   Speller     the phonetic rules, compiled from their regexes, and skeletons;
 *   key tables  Keys, the look-up of a store.KeyIndex (CRC-32, linear probing);
 *   Table       a query part read once (part: its evidence and weight), a query's
 *               ranking (rank), explanation (explain), or both at once (lookup);
 *   Rows        a query part's blocking keys (spans) and neighbours (near).
 *
 * Each has a Python reference that tests hold it to.
 *
 * Strings arrive packed, as in namenorm.store.Strings: one blob of bytes and an array
 * of uint64 offsets (string i is blob[offsets[i]:offsets[i + 1]]). Codes are ASCII, so
 * a byte is a letter. The distance is Levenshtein's (insertions, deletions and
 * substitutions cost 1), computed with Hyyro's bit-parallel algorithm when the query
 * side fits in 64 letters and with the textbook dynamic programme otherwise.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const unsigned char *blob;
    const uint64_t *offsets;
    Py_ssize_t count; /* number of strings */
    Py_ssize_t blob_len;
} packed;

/* The bit-parallel form of a pattern: per byte value, the positions where it occurs. */
typedef struct {
    uint64_t eq[256];
    const unsigned char *text;
    Py_ssize_t len;
} pattern;

static void pattern_set(pattern *p, const unsigned char *text, Py_ssize_t len) {
    if (p->len <= 64) {
        for (Py_ssize_t i = 0; i < p->len; i++) p->eq[p->text[i]] = 0;
    } else {
        memset(p->eq, 0, sizeof p->eq);
    }
    p->text = text;
    p->len = len;
    if (len <= 64) {
        for (Py_ssize_t i = 0; i < len; i++) p->eq[text[i]] |= (uint64_t)1 << i;
    }
}

static Py_ssize_t distance_dp(const unsigned char *a, Py_ssize_t m, const unsigned char *b,
                              Py_ssize_t n) {
    Py_ssize_t *row = malloc((size_t)(n + 1) * sizeof *row);
    if (row == NULL) return -1;
    for (Py_ssize_t j = 0; j <= n; j++) row[j] = j;
    for (Py_ssize_t i = 1; i <= m; i++) {
        Py_ssize_t diagonal = row[0];
        row[0] = i;
        for (Py_ssize_t j = 1; j <= n; j++) {
            Py_ssize_t above = row[j];
            Py_ssize_t best = diagonal + (a[i - 1] != b[j - 1]);
            if (above + 1 < best) best = above + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diagonal = above;
        }
    }
    Py_ssize_t result = row[n];
    free(row);
    return result;
}

/* The small functions of the comparison loop, inlined into it: their calls were
   about 6% of the instructions of comparing a part with its rows. */
#if defined(__GNUC__)
#define ALWAYS_INLINE __attribute__((always_inline)) inline
#else
#define ALWAYS_INLINE inline
#endif

/* Positional arguments of the methods every query calls (METH_FASTCALL): read one
   by one, without the tuple and format string of PyArg_ParseTuple, which were a
   tenth of the cost of a call. Each sets an exception and returns -1 on a bad one. */
static int fast_count(const char *name, Py_ssize_t nargs, Py_ssize_t want) {
    if (nargs == want) return 0;
    PyErr_Format(PyExc_TypeError, "%s() takes exactly %zd arguments (%zd given)", name, want,
                 nargs);
    return -1;
}

static int fast_long_long(PyObject *o, long long *out) {
    *out = PyLong_AsLongLong(o);
    return *out == -1 && PyErr_Occurred() ? -1 : 0;
}

static int fast_long(PyObject *o, long *out) {
    *out = PyLong_AsLong(o);
    return *out == -1 && PyErr_Occurred() ? -1 : 0;
}

static int fast_ssize(PyObject *o, Py_ssize_t *out) {
    *out = PyNumber_AsSsize_t(o, PyExc_OverflowError);
    return *out == -1 && PyErr_Occurred() ? -1 : 0;
}

static int fast_double(PyObject *o, double *out) {
    *out = PyFloat_AsDouble(o);
    return *out == -1.0 && PyErr_Occurred() ? -1 : 0;
}

static int fast_bool(PyObject *o, int *out) {
    *out = PyObject_IsTrue(o);
    return *out < 0 ? -1 : 0;
}

static int fast_type(PyObject *o, int ok, const char *what) {
    if (ok) return 0;
    PyErr_Format(PyExc_TypeError, "expected %s, got %.100s", what, Py_TYPE(o)->tp_name);
    return -1;
}

/* Levenshtein distance between a prepared pattern and a text (-1: out of memory). */
static ALWAYS_INLINE Py_ssize_t distance(const pattern *p, const unsigned char *text,
                                         Py_ssize_t n) {
    Py_ssize_t m = p->len;
    if (m == 0) return n;
    if (n == 0) return m;
    if (m > 64) return distance_dp(p->text, m, text, n);
    uint64_t positive = ~(uint64_t)0, negative = 0;
    int top = (int)m - 1;
    Py_ssize_t score = m;
    for (Py_ssize_t j = 0; j < n; j++) {
        uint64_t eq = p->eq[text[j]];
        uint64_t xv = eq | negative;
        uint64_t xh = (((eq & positive) + positive) ^ positive) | eq;
        uint64_t hp = negative | ~(xh | positive);
        uint64_t hn = positive & xh;
        /* without branches: which way the score goes is a coin toss to the CPU */
        score += (Py_ssize_t)((hp >> top) & 1) - (Py_ssize_t)((hn >> top) & 1);
        hp = (hp << 1) | 1;
        hn <<= 1;
        positive = hn | ~(xv | hp);
        negative = hp & xv;
    }
    return score;
}

#define SIDES 3 /* codes, consonants, skeletons */

static PyObject *levenshtein(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer a, b;
    if (!PyArg_ParseTuple(args, "y*y*:levenshtein", &a, &b)) return NULL;
    pattern p;
    memset(p.eq, 0, sizeof p.eq);
    p.len = 0;
    p.text = NULL;
    pattern_set(&p, a.buf, a.len);
    Py_ssize_t d = distance(&p, b.buf, b.len);
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    if (d < 0) return PyErr_NoMemory();
    return PyLong_FromSsize_t(d);
}


/* ---- Spelling codes (namenorm.phonetic) -------------------------------------------
 *
 * A Speller applies the rules of data/phonetic.yaml to a folded part: the spelling
 * rules in order, then doubled letters collapsed (the spelling code); the
 * alternative readings (one more code each); and the consonants and skeleton of a
 * code. Every query part nobody listed needs them, and as Python regexes they were a
 * sixth of a fuzzy lookup.
 *
 * The rules stay regexes in the data file. namenorm.phonetic compiles each one into
 * the few shapes the file uses, and hands them over as a program of bytes:
 *
 *   rule        u8 alternatives, u8 replacement length, the replacement, then each
 *               alternative;
 *   alternative u8 flags (1: at the start, 2: at the end, 4: the look-behind is
 *               negative, 8: the look-ahead is negative), u8 look-behind letters,
 *               u8 matched letters (at least one), u8 look-ahead letters, then one
 *               16-byte set of ASCII characters per letter, in that order.
 *
 * A rule is applied as re.sub applies a pattern: left to right over the original
 * text, at each position the first alternative that matches, the scan resuming after
 * the match. Tests compare the two on every sample and on random parts.
 */

enum { AT_START = 1, AT_END = 2, NOT_BEHIND = 4, NOT_AHEAD = 8 };

typedef struct {
    unsigned char flags, behind, body, ahead;
    const unsigned char *sets; /* (behind + body + ahead) sets of 16 bytes */
} alternative;

typedef struct {
    const unsigned char *replacement;
    int replacement_len, count;
    alternative *alternatives;
    unsigned char starts[16]; /* the letters a match can start with: a position whose
                                 letter is not one of them is copied untried */
    uint64_t start_bits[2];   /* the same letters, one bit per ASCII character */
} rule;

typedef struct {
    rule *rules;
    int count;
} rule_list;

typedef struct {
    unsigned char *bytes;
    size_t len, room;
} text;

static int text_reserve(text *t, size_t room) {
    if (room <= t->room) return 0;
    size_t grown = t->room ? t->room : 64;
    while (grown < room) grown *= 2;
    unsigned char *bytes = realloc(t->bytes, grown);
    if (bytes == NULL) return -1;
    t->bytes = bytes;
    t->room = grown;
    return 0;
}

static int in_set(const unsigned char *set, unsigned char c) {
    return c < 128 && (set[c >> 3] >> (c & 7)) & 1;
}

static int all_in(const unsigned char *sets, const unsigned char *s, int n) {
    for (int k = 0; k < n; k++)
        if (!in_set(sets + 16 * k, s[k])) return 0;
    return 1;
}

/* Whether an alternative matches s[i:]. */
static int matches(const alternative *a, const unsigned char *s, size_t n, size_t i) {
    if ((a->flags & AT_START) && i != 0) return 0;
    if (i + a->body > n || !all_in(a->sets + 16 * a->behind, s + i, a->body)) return 0;
    size_t j = i + a->body;
    if ((a->flags & AT_END) && j != n) return 0;
    if (a->behind) {
        int seen = i >= a->behind && all_in(a->sets, s + i - a->behind, a->behind);
        if (seen == !!(a->flags & NOT_BEHIND)) return 0;
    }
    if (a->ahead) {
        int seen = j + a->ahead <= n &&
                   all_in(a->sets + 16 * (a->behind + a->body), s + j, a->ahead);
        if (seen == !!(a->flags & NOT_AHEAD)) return 0;
    }
    return 1;
}

/* The ASCII characters of s, one bit each (others are in no rule's sets). */
typedef struct {
    uint64_t bits[2];
} letters;

static letters letters_of(const unsigned char *s, size_t n) {
    letters found = {{0, 0}};
    for (size_t i = 0; i < n; i++)
        if (s[i] < 128) found.bits[s[i] >> 6] |= (uint64_t)1 << (s[i] & 63);
    return found;
}

/* Whether a rule may change a text holding `present`: some letter of it can start one
   of the rule's matches. Most rules meet no such letter in most parts, which this
   tells without a copy, and in two word operations rather than a test per letter
   (a part meets every rule of the file). */
static int may_apply(const rule *r, letters present) {
    return ((present.bits[0] & r->start_bits[0]) | (present.bits[1] & r->start_bits[1])) != 0;
}

/* out = the rule applied to s (out must not be s). */
static int apply_rule(const rule *r, const unsigned char *s, size_t n, text *out) {
    size_t longest = r->replacement_len > 1 ? (size_t)r->replacement_len : 1;
    if (text_reserve(out, n * longest + 1) < 0) return -1;
    size_t i = 0, o = 0;
    while (i < n) {
        const alternative *found = NULL;
        if (!in_set(r->starts, s[i])) {
            out->bytes[o++] = s[i++];
            continue;
        }
        for (int k = 0; k < r->count && !found; k++)
            if (matches(&r->alternatives[k], s, n, i)) found = &r->alternatives[k];
        if (found) {
            memcpy(out->bytes + o, r->replacement, (size_t)r->replacement_len);
            o += (size_t)r->replacement_len;
            i += found->body;
        } else {
            out->bytes[o++] = s[i++];
        }
    }
    out->len = o;
    return 0;
}

/* Read a program (see above) into rules pointing into its bytes; -1 when malformed. */
static int read_program(const unsigned char *p, size_t n, rule_list *list) {
    size_t at = 0;
    int count = 0;
    list->rules = NULL;
    list->count = 0;
    /* two passes: count the rules, then read them */
    for (int pass = 0; pass < 2; pass++) {
        at = 0;
        int r = 0;
        while (at < n) {
            if (at + 2 > n) return -1;
            int alternatives = p[at], replacement_len = p[at + 1];
            at += 2;
            if (alternatives == 0 || at + (size_t)replacement_len > n) return -1;
            rule *current = pass ? &list->rules[r] : NULL;
            if (current) {
                current->replacement = p + at;
                current->replacement_len = replacement_len;
                current->count = alternatives;
                current->alternatives = calloc((size_t)alternatives, sizeof(alternative));
                if (current->alternatives == NULL) return -1;
                list->count = r + 1;
            }
            at += (size_t)replacement_len;
            for (int k = 0; k < alternatives; k++) {
                if (at + 4 > n) return -1;
                alternative a = {p[at], p[at + 1], p[at + 2], p[at + 3], p + at + 4};
                size_t sets = (size_t)a.behind + a.body + a.ahead;
                at += 4;
                if (a.body == 0 || a.flags > 15 || at + 16 * sets > n) return -1;
                at += 16 * sets;
                if (current) {
                    current->alternatives[k] = a;
                    for (int b = 0; b < 16; b++) current->starts[b] |= a.sets[16 * a.behind + b];
                    for (int c = 0; c < 128; c++)
                        if (in_set(current->starts, (unsigned char)c))
                            current->start_bits[c >> 6] |= (uint64_t)1 << (c & 63);
                }
            }
            r++;
        }
        if (pass == 0) {
            count = r;
            list->rules = calloc((size_t)(count ? count : 1), sizeof(rule));
            if (list->rules == NULL) return -1;
        }
    }
    return 0;
}

static void free_rules(rule_list *list) {
    for (int r = 0; r < list->count; r++) free(list->rules[r].alternatives);
    free(list->rules);
    list->rules = NULL;
    list->count = 0;
}

typedef struct {
    PyObject_HEAD
    PyObject *programs; /* the program bytes the rules point into, kept alive */
    rule_list spelling, alternatives;
    unsigned char classes[128]; /* letter -> its skeleton class (itself when none) */
    unsigned char dropped[128]; /* letter -> 1 when a skeleton leaves it out */
} SpellerObject;

typedef struct {
    text a, b;
} scratch_pair;

static void scratch_free(scratch_pair *w) {
    free(w->a.bytes);
    free(w->b.bytes);
}

/* The spelling code of s into w->a (rules in turn, then doubled letters collapsed). */
static int spell(const SpellerObject *self, const unsigned char *s, size_t n, scratch_pair *w) {
    if (text_reserve(&w->a, n + 1) < 0) return -1;
    memcpy(w->a.bytes, s, n);
    w->a.len = n;
    letters present = letters_of(s, n);
    for (int r = 0; r < self->spelling.count; r++) {
        if (!may_apply(&self->spelling.rules[r], present)) continue;
        if (apply_rule(&self->spelling.rules[r], w->a.bytes, w->a.len, &w->b) < 0) return -1;
        text t = w->a;
        w->a = w->b;
        w->b = t;
        present = letters_of(w->a.bytes, w->a.len);
    }
    size_t o = 0;
    for (size_t i = 0; i < w->a.len; i++)
        if (o == 0 || w->a.bytes[o - 1] != w->a.bytes[i]) w->a.bytes[o++] = w->a.bytes[i];
    w->a.len = o;
    return 0;
}

/* A code's consonants (through the classes when `merged`): two alike count once only
   when nothing stood between them; the code itself when it has none. */
static size_t consonants_of(const unsigned char *classes, const unsigned char *dropped,
                            const unsigned char *code, size_t n, int merged, unsigned char *out) {
    size_t o = 0;
    int last = -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = code[i];
        if (c < 128 && dropped[c]) {
            last = -1;
            continue;
        }
        unsigned char letter = merged && c < 128 ? classes[c] : c;
        if (letter != last) out[o++] = letter;
        last = letter;
    }
    if (o == 0) {
        memcpy(out, code, n);
        o = n;
    }
    return o;
}

static int is_ascii(const unsigned char *s, Py_ssize_t n) {
    for (Py_ssize_t i = 0; i < n; i++)
        if (s[i] >= 128) return 0;
    return 1;
}

static void speller_dealloc(SpellerObject *self) {
    free_rules(&self->spelling);
    free_rules(&self->alternatives);
    Py_XDECREF(self->programs);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *speller_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"spelling", "alternatives", "classes", "dropped", NULL};
    PyObject *spelling, *alternatives;
    Py_buffer classes, dropped;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "SSy*y*:Speller", keywords, &spelling,
                                     &alternatives, &classes, &dropped))
        return NULL;
    SpellerObject *self = NULL;
    if (classes.len != 128 || dropped.len != 128) {
        PyErr_SetString(PyExc_ValueError, "classes and dropped need a byte per ASCII letter");
        goto done;
    }
    self = (SpellerObject *)type->tp_alloc(type, 0);
    if (self == NULL) goto done;
    self->programs = PyTuple_Pack(2, spelling, alternatives);
    if (self->programs == NULL) goto fail;
    memcpy(self->classes, classes.buf, 128);
    memcpy(self->dropped, dropped.buf, 128);
    if (read_program((const unsigned char *)PyBytes_AS_STRING(spelling),
                     (size_t)PyBytes_GET_SIZE(spelling), &self->spelling) < 0 ||
        read_program((const unsigned char *)PyBytes_AS_STRING(alternatives),
                     (size_t)PyBytes_GET_SIZE(alternatives), &self->alternatives) < 0) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "a malformed rule program");
        goto fail;
    }
    goto done;
fail:
    Py_CLEAR(self);
done:
    PyBuffer_Release(&classes);
    PyBuffer_Release(&dropped);
    return (PyObject *)self;
}

/* Parse one ASCII bytes argument. */
static int ascii_arg(PyObject *args, const char *format, Py_buffer *view) {
    if (!PyArg_ParseTuple(args, format, view)) return -1;
    if (!is_ascii(view->buf, view->len)) {
        PyBuffer_Release(view);
        PyErr_SetString(PyExc_ValueError, "a part must be ASCII");
        return -1;
    }
    return 0;
}

static PyObject *speller_spelling(SpellerObject *self, PyObject *args) {
    Py_buffer part;
    if (ascii_arg(args, "y*:spelling", &part) < 0) return NULL;
    scratch_pair w = {{NULL, 0, 0}, {NULL, 0, 0}};
    PyObject *result = NULL;
    if (spell(self, part.buf, (size_t)part.len, &w) < 0)
        PyErr_NoMemory();
    else
        result = PyBytes_FromStringAndSize((const char *)w.a.bytes, (Py_ssize_t)w.a.len);
    scratch_free(&w);
    PyBuffer_Release(&part);
    return result;
}

/* Every spelling code of a part: its own, then one per alternative reading that
   changes it, each once. */
static PyObject *speller_codes(SpellerObject *self, PyObject *arg) {
    Py_buffer part; /* one argument (METH_O): every new query part is read here */
    if (PyObject_GetBuffer(arg, &part, PyBUF_SIMPLE) < 0) return NULL;
    if (!is_ascii(part.buf, part.len)) {
        PyBuffer_Release(&part);
        PyErr_SetString(PyExc_ValueError, "a part must be ASCII");
        return NULL;
    }
    scratch_pair w = {{NULL, 0, 0}, {NULL, 0, 0}};
    text other = {NULL, 0, 0};
    PyObject *found = PyList_New(0), *result = NULL;
    if (found == NULL) goto done;
    const unsigned char *s = part.buf;
    size_t n = (size_t)part.len;
    letters present = letters_of(s, n);
    for (int r = -1; r < self->alternatives.count; r++) {
        const unsigned char *from = s;
        size_t from_len = n;
        if (r >= 0) {
            if (!may_apply(&self->alternatives.rules[r], present)) continue; /* unchanged */
            if (apply_rule(&self->alternatives.rules[r], s, n, &other) < 0) goto memory;
            if (other.len == n && memcmp(other.bytes, s, n) == 0) continue;
            from = other.bytes;
            from_len = other.len;
        }
        if (spell(self, from, from_len, &w) < 0) goto memory;
        PyObject *code = PyBytes_FromStringAndSize((const char *)w.a.bytes, (Py_ssize_t)w.a.len);
        if (code == NULL) goto done;
        int seen = PySequence_Contains(found, code);
        if (seen < 0 || (!seen && PyList_Append(found, code) < 0)) {
            Py_DECREF(code);
            goto done;
        }
        Py_DECREF(code);
    }
    result = PyList_AsTuple(found);
    goto done;
memory:
    PyErr_NoMemory();
done:
    Py_XDECREF(found);
    scratch_free(&w);
    free(other.bytes);
    PyBuffer_Release(&part);
    return result;
}

static PyObject *consonants_result(SpellerObject *self, PyObject *args, int merged) {
    Py_buffer code;
    if (ascii_arg(args, merged ? "y*:skeleton" : "y*:consonants", &code) < 0) return NULL;
    PyObject *result = NULL;
    unsigned char *out = malloc((size_t)code.len + 1);
    if (out == NULL) {
        PyErr_NoMemory();
    } else {
        size_t n = consonants_of(self->classes, self->dropped, code.buf, (size_t)code.len,
                                 merged, out);
        result = PyBytes_FromStringAndSize((const char *)out, (Py_ssize_t)n);
    }
    free(out);
    PyBuffer_Release(&code);
    return result;
}

static PyObject *speller_skeleton(SpellerObject *self, PyObject *args) {
    return consonants_result(self, args, 1);
}

static PyObject *speller_consonants(SpellerObject *self, PyObject *args) {
    return consonants_result(self, args, 0);
}

/* apply(number, part): one spelling rule (number >= 0) or alternative (-1 - k) alone,
   for the tests that hold each rule to its regex. */
static PyObject *speller_apply(SpellerObject *self, PyObject *args) {
    int number;
    Py_buffer part;
    if (!PyArg_ParseTuple(args, "iy*:apply", &number, &part)) return NULL;
    const rule_list *list = number >= 0 ? &self->spelling : &self->alternatives;
    int k = number >= 0 ? number : -1 - number;
    PyObject *result = NULL;
    text out = {NULL, 0, 0};
    if (k >= list->count) {
        PyErr_SetString(PyExc_IndexError, "no such rule");
    } else if (!is_ascii(part.buf, part.len)) {
        PyErr_SetString(PyExc_ValueError, "a part must be ASCII");
    } else if (apply_rule(&list->rules[k], part.buf, (size_t)part.len, &out) < 0) {
        PyErr_NoMemory();
    } else {
        result = PyBytes_FromStringAndSize((const char *)out.bytes, (Py_ssize_t)out.len);
    }
    free(out.bytes);
    PyBuffer_Release(&part);
    return result;
}

static PyMethodDef speller_methods[] = {
    {"spelling", (PyCFunction)speller_spelling, METH_VARARGS,
     "spelling(part: bytes) -> bytes: the spelling code of a folded (ASCII) part."},
    {"codes", (PyCFunction)speller_codes, METH_O,
     "codes(part: bytes) -> tuple[bytes, ...]: its own code, then one per other reading."},
    {"skeleton", (PyCFunction)speller_skeleton, METH_VARARGS,
     "skeleton(code: bytes) -> bytes: a code's consonants, merged into their classes."},
    {"consonants", (PyCFunction)speller_consonants, METH_VARARGS,
     "consonants(code: bytes) -> bytes: a code's consonants as written."},
    {"apply", (PyCFunction)speller_apply, METH_VARARGS,
     "apply(number: int, part: bytes) -> bytes: spelling rule `number`, or alternative\n"
     "-1 - number, applied alone."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject SpellerType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "namenorm._kernel.Speller",
    .tp_basicsize = sizeof(SpellerObject),
    .tp_dealloc = (destructor)speller_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Speller(spelling, alternatives, classes, dropped)\n\n"
              "The rules of data/phonetic.yaml, compiled by namenorm.phonetic: spelling\n"
              "codes, their consonants and skeletons (see the section in _kernel.c).",
    .tp_methods = speller_methods,
    .tp_new = speller_new,
};

/* ---- Held buffers -----------------------------------------------------------------
 *
 * The Python arrays (anything with the buffer protocol) an object or a call reads,
 * held while it reads them and released together.
 */

typedef struct {
    Py_buffer *views;
    Py_ssize_t held, room;
} holder;

static int holder_init(holder *h, Py_ssize_t room) {
    h->held = 0;
    h->room = room;
    h->views = malloc((size_t)(room > 0 ? room : 1) * sizeof *h->views);
    if (h->views == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static const void *hold(holder *h, PyObject *object, Py_ssize_t itemsize, Py_ssize_t *count,
                        int writable) {
    if (h->held == h->room) {
        PyErr_SetString(PyExc_ValueError, "too many arrays");
        return NULL;
    }
    Py_buffer *view = &h->views[h->held];
    if (PyObject_GetBuffer(object, view, writable ? PyBUF_WRITABLE : PyBUF_SIMPLE) < 0)
        return NULL;
    h->held++;
    if (view->len % itemsize != 0) {
        PyErr_SetString(PyExc_ValueError, "an array has the wrong item size");
        return NULL;
    }
    if (count) *count = view->len / itemsize;
    return view->buf;
}

static void release(holder *h) {
    for (Py_ssize_t i = 0; i < h->held; i++) PyBuffer_Release(&h->views[i]);
    h->held = 0;
    free(h->views);
    h->views = NULL;
}

/* ---- Key tables (namenorm.store.KeyIndex) -----------------------------------------
 *
 * A read-only map from byte strings to integers: the keys packed, their values, and a
 * hash table of slots (key numbers, -1 for empty) in which a key sits at its CRC-32
 * (zlib's) masked to the table's size, or after it by linear probing.
 */

static uint32_t crc_table[256];

static void crc_init(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
}

static uint32_t crc32_of(const unsigned char *s, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) c = crc_table[(c ^ s[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

typedef struct {
    packed keys;
    const int64_t *values, *slots;
    Py_ssize_t n_slots;
} key_table;

/* Hold and check a key table's arrays (values below `limit`, unless it is negative);
   -1 with an exception set when they disagree. A table with no empty slot is refused:
   a look-up that misses would never stop. */
static int key_table_hold(holder *h, PyObject *blob_object, PyObject *offsets_object,
                          PyObject *values_object, PyObject *slots_object, int64_t limit,
                          key_table *t) {
    Py_ssize_t n_blob, n_offsets, n_values;
    const unsigned char *blob = hold(h, blob_object, 1, &n_blob, 0);
    const uint64_t *offsets = blob ? hold(h, offsets_object, 8, &n_offsets, 0) : NULL;
    if (!offsets || !(t->values = hold(h, values_object, 8, &n_values, 0)) ||
        !(t->slots = hold(h, slots_object, 8, &t->n_slots, 0)))
        return -1;
    t->keys = (packed){blob, offsets, n_offsets - 1, n_blob};
    int empty = 0;
    if (n_offsets < 1 || offsets[n_offsets - 1] > (uint64_t)n_blob ||
        n_values != n_offsets - 1 || t->n_slots < 1 || (t->n_slots & (t->n_slots - 1)))
        goto bad;
    for (Py_ssize_t i = 0; i + 1 < n_offsets; i++)
        if (offsets[i] > offsets[i + 1]) goto bad;
    for (Py_ssize_t i = 0; limit >= 0 && i < n_values; i++)
        if (t->values[i] < 0 || t->values[i] >= limit) goto bad;
    for (Py_ssize_t i = 0; i < t->n_slots; i++) {
        if (t->slots[i] >= n_values) goto bad;
        empty |= t->slots[i] < 0;
    }
    if (empty) return 0;
bad:
    PyErr_SetString(PyExc_ValueError, "a key table's arrays disagree with one another");
    return -1;
}

/* The number of a key in the table, or -1 when the table lacks it. */
static int64_t key_table_number(const key_table *t, const unsigned char *key, size_t n) {
    uint64_t mask = (uint64_t)t->n_slots - 1, slot = crc32_of(key, n) & mask;
    for (;;) {
        int64_t number = t->slots[slot];
        if (number < 0) return -1;
        uint64_t a = t->keys.offsets[number], b = t->keys.offsets[number + 1];
        if (b - a == n && memcmp(t->keys.blob + a, key, n) == 0) return number;
        slot = (slot + 1) & mask;
    }
}

/* The value of a key, or -1 when the table lacks it (for tables of values >= 0). */
static int64_t key_table_find(const key_table *t, const unsigned char *key, size_t n) {
    int64_t number = key_table_number(t, key, n);
    return number < 0 ? -1 : t->values[number];
}

/* Keys(blob, offsets, values, slots): a KeyIndex's arrays, for look-ups from Python. */
typedef struct {
    PyObject_HEAD
    holder h;
    key_table table;
} KeysObject;

static void keys_dealloc(KeysObject *self) {
    release(&self->h);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *keys_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"blob", "offsets", "values", "slots", NULL};
    PyObject *blob, *offsets, *values, *slots;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOO:Keys", keywords, &blob, &offsets,
                                     &values, &slots))
        return NULL;
    KeysObject *self = (KeysObject *)type->tp_alloc(type, 0);
    if (self == NULL) return NULL;
    if (holder_init(&self->h, 4) < 0 ||
        key_table_hold(&self->h, blob, offsets, values, slots, -1, &self->table) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static PyObject *keys_get(KeysObject *self, PyObject *key) {
    if (!PyBytes_Check(key)) {
        PyErr_SetString(PyExc_TypeError, "a key is bytes");
        return NULL;
    }
    int64_t number = key_table_number(
        &self->table, (const unsigned char *)PyBytes_AS_STRING(key), (size_t)PyBytes_GET_SIZE(key));
    if (number < 0) Py_RETURN_NONE;
    return PyLong_FromLongLong(self->table.values[number]);
}

static PyMethodDef keys_methods[] = {
    {"get", (PyCFunction)keys_get, METH_O,
     "get(key: bytes) -> int | None: the key's value, or None when it has none."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject KeysType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "namenorm._kernel.Keys",
    .tp_basicsize = sizeof(KeysObject),
    .tp_dealloc = (destructor)keys_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Keys(blob, offsets, values, slots)\n\n"
              "The arrays of a namenorm.store.KeyIndex, held and checked once, for fast\n"
              "look-ups.",
    .tp_methods = keys_methods,
    .tp_new = keys_new,
};

/* ---- Ranking the names a query's neighbours lead to ------------------------------
 *
 * rank() does for one lookup what namenorm.fuzzy does in Python for an explanation:
 * sum each name's evidence, keep the best few names, skip those a bound proves cannot
 * reach the floor, and score the rest. It follows FuzzyIndex._by_evidence,
 * _could_reach and score step for step, in the same order of floating-point
 * operations, so that it gives the same scores to the last bit (tests compare the two).
 */

enum { ROLE_SURNAME = 's', ROLE_FIRST = 'f', ROLE_GIVEN = 'g', ROLE_PATRONYMIC = 'p' };

typedef struct {
    long candidates;
    double low, initial_weight, initial_sim, same_code;
    double omit_surname, omit_first, omit_given, omit_patronymic;
    double extra, extra_patronymic, repeated, first_given, surname_alone, cap, log_n;
    long strong_mask, initial_rule;
} params;

/* One query part as rank() reads it (see namenorm.fuzzy.FuzzyIndex.rank). */
typedef struct {
    long first;       /* its first letter (a code point) */
    int single;       /* one letter: an initial */
    int patronymic;   /* a father's name (charged as a patronymic when left over) */
    int no_group;     /* not a known given name */
    double weight;    /* its weight when left over */
    const int64_t *near_parts; /* neighbours, sorted by table part number */
    const int16_t *near_slots; /* a hash table of their positions (-1: empty), or NULL */
    uint64_t near_mask;
    int near_shift;
    const double *near_sims;
    const int8_t *near_rules;
    Py_ssize_t near_count;
    const int64_t *names, *common_names;
    const double *evidence, *common_evidence;
    Py_ssize_t name_count, common_count;
} query_part;

typedef struct {
    const uint64_t *starts; /* name -> its parts: items[starts[n]:starts[n + 1]] */
    const int64_t *items;
    const unsigned char *roles; /* name -> role letters at roles[role_offsets[n]] */
    const uint64_t *role_offsets;
    const double *weights;      /* table part -> weight */
    const int32_t *first;       /* table part -> first letter */
    const unsigned char *single; /* table part -> 1 when one letter long */
    const uint64_t *post_starts; /* table part -> the names holding it: */
    const int64_t *post_items;   /* post_items[post_starts[p]:post_starts[p + 1]] */
    Py_ssize_t names, parts;
} table_view;

typedef struct {
    double sim;
    int i, j, rule;
} option;

/* The slot a table part's number hashes to in a neighbours' hash table. */
static inline uint64_t near_slot(int64_t number, int shift) {
    return ((uint64_t)number * 0x9E3779B97F4A7C15u) >> shift;
}

/* The neighbour entry of a table part in a query part's neighbours, or -1. Ranking
   asks this of every part of every candidate for every query part: a hash probe,
   where a binary search was a third of a ranking's instructions. */
static Py_ssize_t near_of(const query_part *q, int64_t number) {
    if (q->near_slots != NULL) {
        for (uint64_t slot = near_slot(number, q->near_shift);; slot = (slot + 1) & q->near_mask) {
            int16_t at = q->near_slots[slot];
            if (at < 0 || q->near_parts[at] == number) return at;
        }
    }
    Py_ssize_t lo = 0, hi = q->near_count;
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        if (q->near_parts[mid] < number) lo = mid + 1;
        else hi = mid;
    }
    return lo < q->near_count && q->near_parts[lo] == number ? lo : -1;
}

static int is_strong(const params *p, int rule) { return (p->strong_mask >> rule) & 1; }

static double omit_share(const params *p, unsigned char role) {
    switch (role) {
    case ROLE_SURNAME: return p->omit_surname;
    case ROLE_FIRST: return p->omit_first;
    case ROLE_GIVEN: return p->omit_given;
    default: return p->omit_patronymic;
    }
}

/* Whether a name could score `floor` or more (FuzzyIndex._could_reach). */
static int could_reach(const params *p, const table_view *t, const query_part *qs,
                       Py_ssize_t nq, int64_t name, double floor) {
    double target = floor / p->cap;
    double a = (p->initial_sim - target) * p->initial_weight;
    double b = -target * p->initial_weight * 0.5;
    double initial = b > a ? b : a;
    double most = 0.0;
    uint64_t start = t->starts[name], end = t->starts[name + 1];
    const unsigned char *roles = t->roles + t->role_offsets[name];
    for (uint64_t k = start; k < end; k++) {
        int64_t number = t->items[k];
        double w = t->weights[number];
        if (t->single[number]) {
            most += initial * w;
            continue;
        }
        int repeated = 0;
        for (uint64_t other = start; other < end; other++)
            if (other != k && t->items[other] == number) repeated = 1;
        double share = repeated ? p->repeated : omit_share(p, roles[k - start]);
        double left_out = -target * share * w;
        int found = 0;
        double credit = -1.0;
        for (Py_ssize_t i = 0; i < nq; i++) {
            Py_ssize_t at = near_of(&qs[i], number);
            if (at < 0) continue;
            double sim = qs[i].near_sims[at];
            double c = is_strong(p, qs[i].near_rules[at]) ? sim
                                                           : (sim - p->low) / (p->same_code - p->low);
            if (!found || c > credit) credit = c;
            found = 1;
        }
        if (!found) {
            most += left_out;
        } else {
            double aligned = (credit - target) * w;
            most += left_out > aligned ? left_out : aligned;
        }
    }
    return most >= -1e-9;
}

typedef struct {
    double weight;
    int at;
} leftover;

/* Descending by weight, then by position (Python's sorted(..., reverse=True)). */
static void sort_leftovers(leftover *items, int n) {
    for (int a = 1; a < n; a++) {
        leftover x = items[a];
        int b = a - 1;
        while (b >= 0 && (items[b].weight < x.weight ||
                          (items[b].weight == x.weight && items[b].at < x.at))) {
            items[b + 1] = items[b];
            b--;
        }
        items[b + 1] = x;
    }
}

/* Where score_name writes the alignment behind a score, when asked (see explain). */
typedef struct {
    option *pairs;           /* in the order they were taken */
    int *missing, *extra;    /* table parts left out, query parts with no partner */
    int *conflict_q, *conflict_t; /* contradicting parts, side by side */
    int n_pairs, n_missing, n_extra, n_conflicts;
} record;

/* The score of one name (FuzzyIndex.score), and its alignment when `rec` is given;
   -1 on no memory. */
/* The most parts of a name or query scored without allocating. */
enum { SMALL_NAME = 16 };

static double score_name(const params *p, const table_view *t, const query_part *qs,
                         Py_ssize_t nq, int64_t name, Py_ssize_t first, record *rec) {
    uint64_t start = t->starts[name];
    int nt = (int)(t->starts[name + 1] - start);
    const int64_t *items = t->items + start;
    const unsigned char *roles = t->roles + t->role_offsets[name];
    size_t room = (size_t)nq * (size_t)(nt > 0 ? nt : 1);
    /* Names and queries are a few parts long: their work space is on the stack,
       unless they are not (a call scores a dozen names; five allocations each were
       a tenth of ranking). */
    option small_options[SMALL_NAME * SMALL_NAME];
    unsigned char small_used_q[SMALL_NAME + 1], small_used_t[SMALL_NAME + 1];
    leftover small_left_t[SMALL_NAME + 1], small_left_q[SMALL_NAME + 1];
    int small = nq <= SMALL_NAME && nt <= SMALL_NAME;
    option *options = small ? small_options : malloc(room * sizeof *options);
    unsigned char *used_q = small ? small_used_q : malloc((size_t)nq + 1);
    unsigned char *used_t = small ? small_used_t : malloc((size_t)nt + 1);
    leftover *left_t = small ? small_left_t : malloc(((size_t)nt + 1) * sizeof *left_t);
    leftover *left_q = small ? small_left_q : malloc(((size_t)nq + 1) * sizeof *left_q);
    double result = -1.0;
    if (!options || !used_q || !used_t || !left_t || !left_q) goto done;
    memset(used_q, 0, (size_t)nq + 1);
    memset(used_t, 0, (size_t)nt + 1);
    int n = 0;
    for (int i = 0; i < nq; i++) {
        const query_part *q = &qs[i];
        for (int j = 0; j < nt; j++) {
            int64_t number = items[j];
            if (q->single) {
                if (roles[j] != ROLE_SURNAME && t->first[number] == q->first)
                    options[n++] = (option){p->initial_sim, i, j, (int)p->initial_rule};
                continue;
            }
            Py_ssize_t at = near_of(q, number);
            if (at >= 0)
                options[n++] = (option){q->near_sims[at], i, j, q->near_rules[at]};
            else if (t->single[number] && q->first == t->first[number])
                options[n++] = (option){p->initial_sim, i, j, (int)p->initial_rule};
        }
    }
    /* best first; equal ones keep their order (Python's sort is stable) */
    for (int a = 1; a < n; a++) {
        option x = options[a];
        int b = a - 1;
        while (b >= 0 && options[b].sim < x.sim) {
            options[b + 1] = options[b];
            b--;
        }
        options[b + 1] = x;
    }
    double got = 0.0, total = 0.0;
    int pairs = 0, pair_j = -1;
    double pair_sim = 0.0;
    for (int k = 0; k < n; k++) {
        option o = options[k];
        if (used_q[o.i] || used_t[o.j]) continue;
        used_q[o.i] = used_t[o.j] = 1;
        double w = t->weights[items[o.j]] * (o.rule == p->initial_rule ? p->initial_weight : 1.0);
        double earned;
        if (is_strong(p, o.rule)) {
            earned = o.sim;
        } else {
            earned = (o.sim - p->low) / (p->same_code - p->low);
            if (!(earned > 0.0)) earned = 0.0;
        }
        got += earned * w;
        total += w;
        if (rec) rec->pairs[rec->n_pairs++] = o;
        if (pairs == 0) {
            pair_j = o.j;
            pair_sim = o.sim;
        }
        pairs++;
    }
    int nlt = 0, nlq = 0;
    for (int j = 0; j < nt; j++)
        if (!used_t[j]) left_t[nlt++] = (leftover){t->weights[items[j]], j};
    for (int i = 0; i < nq; i++)
        if (!used_q[i]) left_q[nlq++] = (leftover){qs[i].weight, i};
    sort_leftovers(left_t, nlt);
    sort_leftovers(left_q, nlq);
    /* A part the name repeats, aligned once, is no evidence against the match. */
    unsigned char *repeated = used_t; /* reuse: 2 marks a repeated leftover */
    for (int a = 0; a < nlt; a++) {
        int j = left_t[a].at;
        for (int other = 0; other < nt; other++)
            if (used_t[other] == 1 && items[other] == items[j]) {
                repeated[j] = 2;
                break;
            }
    }
    int strong_t = 0, strong_q = 0;
    for (int a = 0; a < nlt; a++) {
        int j = left_t[a].at;
        if (!t->single[items[j]] && repeated[j] != 2) strong_t++;
    }
    for (int a = 0; a < nlq; a++)
        if (!qs[left_q[a].at].single) strong_q++;
    int clash = strong_t < strong_q ? strong_t : strong_q;
    int clashed = 0;
    for (int a = 0; a < nlt; a++) {
        int j = left_t[a].at;
        double w = left_t[a].weight;
        int is_strong_left = !t->single[items[j]] && repeated[j] != 2;
        if (is_strong_left && clashed < clash) {
            if (rec) rec->conflict_t[clashed] = j;
            clashed++;
            total += w;
            continue;
        }
        if (rec) rec->missing[rec->n_missing++] = j;
        if (t->single[items[j]]) {
            total += w * p->initial_weight * 0.5;
        } else if (repeated[j] == 2) {
            total += w * p->repeated;
        } else if (roles[j] == ROLE_FIRST) {
            double floor_w = 0.6 * p->log_n;
            total += (floor_w > w ? floor_w : w) * p->first_given;
        } else {
            total += w * omit_share(p, roles[j]);
        }
    }
    clashed = 0;
    for (int a = 0; a < nlq; a++) {
        int i = left_q[a].at;
        double w = left_q[a].weight;
        if (!qs[i].single && clashed < clash) {
            if (rec) rec->conflict_q[clashed] = i;
            clashed++;
            total += w;
            continue;
        }
        if (rec) rec->extra[rec->n_extra++] = i;
        if (qs[i].single) {
            total += p->initial_weight * 0.5;
        } else if (i == first) {
            double floor_w = 0.6 * p->log_n;
            total += (floor_w > w ? floor_w : w) * p->first_given;
        } else if (qs[i].patronymic) {
            total += w * p->extra_patronymic;
        } else {
            total += w * p->extra;
        }
    }
    if (rec) rec->n_conflicts = clash;
    double score = total != 0.0 ? p->cap * got / total : 0.0;
    if (nq == 1 && pairs == 1) {
        double ratio = pair_sim / p->same_code;
        double alone = p->surname_alone * (ratio < 1.0 ? ratio : 1.0);
        int surnames = 0, first_same = -1;
        for (int j = 0; j < nt; j++) {
            if (roles[j] == ROLE_SURNAME) surnames++;
            if (first_same < 0 && items[j] == items[pair_j]) first_same = j;
        }
        int lifts = nt > 1 && surnames == 1 && roles[first_same] == ROLE_SURNAME && qs[0].no_group;
        if (lifts) score = alone > score ? alone : score;
        else score = alone < score ? alone : score;
    }
    result = score;
done:
    if (!small) {
        free(options);
        free(used_q);
        free(used_t);
        free(left_t);
        free(left_q);
    }
    return result;
}

typedef struct {
    double evidence;
    int64_t name;
} ranked;

/* Keep the best `limit` names by evidence (ties: lower number first), in order. */
static void offer(ranked *best, long *count, long limit, int64_t name, double evidence) {
    long n = *count;
    if (n == limit && (evidence < best[n - 1].evidence ||
                       (evidence == best[n - 1].evidence && name > best[n - 1].name)))
        return;
    long at = n < limit ? n : limit - 1;
    while (at > 0 && (best[at - 1].evidence < evidence ||
                      (best[at - 1].evidence == evidence && best[at - 1].name > name))) {
        best[at] = best[at - 1];
        at--;
    }
    best[at] = (ranked){evidence, name};
    if (n < limit) *count = n + 1;
}

static int read_params(PyObject *object, params *p) {
    if (!PyArg_ParseTuple(object, "ldddddddddddddddll:params", &p->candidates, &p->low,
                          &p->initial_weight, &p->initial_sim, &p->same_code,
                          &p->omit_surname, &p->omit_first, &p->omit_given,
                          &p->omit_patronymic, &p->extra, &p->extra_patronymic, &p->repeated,
                          &p->first_given, &p->surname_alone, &p->cap, &p->log_n,
                          &p->strong_mask, &p->initial_rule))
        return -1;
    if (p->candidates < 1 || p->initial_rule < 0 || p->initial_rule > 30) {
        PyErr_SetString(PyExc_ValueError, "candidates must be at least 1, rules 0 to 30");
        return -1;
    }
    return 0;
}

/* A table's names, held (and checked) once for every lookup against it. */
typedef struct {
    PyObject_HEAD
    holder h;
    table_view t;
    params p;
    const int32_t *entities; /* name -> its entity */
} TableObject;

static void table_dealloc(TableObject *self) {
    release(&self->h);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *table_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    PyObject *starts, *items, *roles, *role_offsets, *weights, *firsts, *singles, *post_starts,
        *post_items, *params_object, *entities;
    static char *keywords[] = {"starts",     "items",  "roles",    "role_offsets",
                               "weights",    "firsts", "singles",  "post_starts",
                               "post_items", "params", "entities", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOOOOOOOOO:Table", keywords, &starts,
                                     &items, &roles, &role_offsets, &weights, &firsts, &singles,
                                     &post_starts, &post_items, &params_object, &entities))
        return NULL;
    TableObject *self = (TableObject *)type->tp_alloc(type, 0);
    if (self == NULL) return NULL;
    if (holder_init(&self->h, 10) < 0 || read_params(params_object, &self->p) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    table_view *t = &self->t;
    Py_ssize_t n_starts, n_items, n_roles, n_role_offsets, n_weights, n_first, n_single,
        n_post_starts, n_post_items, n_entities;
    if (!(t->starts = hold(&self->h, starts, 8, &n_starts, 0)) ||
        !(t->items = hold(&self->h, items, 8, &n_items, 0)) ||
        !(t->roles = hold(&self->h, roles, 1, &n_roles, 0)) ||
        !(t->role_offsets = hold(&self->h, role_offsets, 8, &n_role_offsets, 0)) ||
        !(t->weights = hold(&self->h, weights, 8, &n_weights, 0)) ||
        !(t->first = hold(&self->h, firsts, 4, &n_first, 0)) ||
        !(t->single = hold(&self->h, singles, 1, &n_single, 0)) ||
        !(t->post_starts = hold(&self->h, post_starts, 8, &n_post_starts, 0)) ||
        !(t->post_items = hold(&self->h, post_items, 8, &n_post_items, 0)) ||
        !(self->entities = hold(&self->h, entities, 4, &n_entities, 0))) {
        Py_DECREF(self);
        return NULL;
    }
    t->names = n_starts - 1;
    t->parts = n_weights;
    int bad = t->names < 0 || n_role_offsets != n_starts || n_first != t->parts ||
              n_single != t->parts || (Py_ssize_t)t->starts[t->names] != n_items ||
              (Py_ssize_t)t->role_offsets[t->names] != n_roles;
    for (Py_ssize_t n = 0; !bad && n < t->names; n++)
        bad = t->starts[n] > t->starts[n + 1] ||
              t->role_offsets[n + 1] - t->role_offsets[n] != t->starts[n + 1] - t->starts[n];
    for (Py_ssize_t k = 0; !bad && k < n_items; k++) bad = t->items[k] < 0 || t->items[k] >= t->parts;
    /* weights are positive (evidence_bytes() marks the names it has met by a weight) */
    for (Py_ssize_t k = 0; !bad && k < t->parts; k++) bad = !(t->weights[k] > 0.0);
    bad = bad || n_post_starts != t->parts + 1 || t->post_starts[t->parts] != (uint64_t)n_post_items;
    for (Py_ssize_t k = 0; !bad && k < t->parts; k++)
        bad = t->post_starts[k] > t->post_starts[k + 1];
    for (Py_ssize_t k = 0; !bad && k < n_post_items; k++)
        bad = t->post_items[k] < 0 || t->post_items[k] >= t->names;
    bad = bad || n_entities != t->names;
    for (Py_ssize_t k = 0; !bad && k < n_entities; k++) bad = self->entities[k] < 0;
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "the table's arrays disagree with one another");
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

/* A query part read once, checked against its table when made (Table.part), so that
   a lookup meeting it again takes its pointers only. */
typedef struct {
    PyObject_HEAD
    query_part q;       /* its arrays lie in the two byte strings below */
    PyObject *table;    /* the Table it was made by, whose names and parts it holds */
    PyObject *near;     /* the neighbours, as Rows.near returned them */
    PyObject *evidence; /* names then evidence (see evidence_bytes) */
    Py_ssize_t rare;    /* how many of the names are rare */
    int16_t *slots;     /* the neighbours' hash table (query_part.near_slots) */
} PartObject;

static PyTypeObject PartType;

/* Read a query (a tuple of Parts made by this table, and per part a byte saying that
   it follows "son of", or no bytes) into `qs`. */
static int read_query(PyObject *table, PyObject *query, PyObject *fathers, query_part *qs,
                      Py_ssize_t nq) {
    Py_ssize_t n_fathers = PyBytes_GET_SIZE(fathers);
    const char *father = PyBytes_AS_STRING(fathers);
    if (n_fathers != 0 && n_fathers != nq) {
        PyErr_SetString(PyExc_ValueError, "one father flag per query part, or none");
        return -1;
    }
    for (Py_ssize_t i = 0; i < nq; i++) {
        PyObject *item = PyTuple_GET_ITEM(query, i);
        if (!PyObject_TypeCheck(item, &PartType) || ((PartObject *)item)->table != table) {
            PyErr_SetString(PyExc_TypeError, "query parts must be Parts made by this table");
            return -1;
        }
        qs[i] = ((PartObject *)item)->q;
        if (n_fathers && father[i]) qs[i].patronymic = 1;
    }
    return 0;
}

/* The best names by evidence (FuzzyIndex._by_evidence); -1 on no memory. */
static long choose(const params *p, const query_part *qs, Py_ssize_t nq, double *total,
                   ranked *best) {
    long chosen = 0;
    int found = 0, rare = 0, common = 0, last = -1;
    Py_ssize_t common_total = 0;
    for (Py_ssize_t i = 0; i < nq; i++) {
        if (qs[i].name_count || qs[i].common_count) {
            found++;
            last = (int)i;
        }
        if (qs[i].name_count) rare++;
        if (qs[i].common_count) common++;
        common_total += qs[i].common_count;
    }
    if (!found) return 0;
    if (found == 1 && !common) {
        for (Py_ssize_t k = 0; k < qs[last].name_count; k++)
            offer(best, &chosen, p->candidates, qs[last].names[k], qs[last].evidence[k]);
        return chosen;
    }
    unsigned char *keep = malloc((size_t)common_total + 1);
    if (keep == NULL) return -1;
    for (Py_ssize_t i = 0; i < nq; i++)
        for (Py_ssize_t k = 0; k < qs[i].name_count; k++) total[qs[i].names[k]] += qs[i].evidence[k];
    /* common parts only confirm names a rarer part found: decided on the rare parts'
       sums alone, before any common evidence is added */
    Py_ssize_t c = 0;
    for (Py_ssize_t i = 0; i < nq; i++)
        for (Py_ssize_t k = 0; k < qs[i].common_count; k++)
            keep[c++] = !rare || total[qs[i].common_names[k]] > 0;
    c = 0;
    for (Py_ssize_t i = 0; i < nq; i++)
        for (Py_ssize_t k = 0; k < qs[i].common_count; k++)
            if (keep[c++]) total[qs[i].common_names[k]] += qs[i].common_evidence[k];
    /* each name once: its sum is read, then marked negative (sums are positive); the
       second pass puts the scratch array back to zeros */
    for (int pass = 0; pass < 2; pass++) {
        c = 0;
        for (Py_ssize_t i = 0; i < nq; i++) {
            for (Py_ssize_t k = 0; k < qs[i].name_count + qs[i].common_count; k++) {
                int is_common = k >= qs[i].name_count;
                if (is_common && !keep[c++]) continue;
                int64_t name = is_common ? qs[i].common_names[k - qs[i].name_count] : qs[i].names[k];
                if (pass == 1) {
                    total[name] = 0.0;
                } else if (total[name] >= 0) {
                    offer(best, &chosen, p->candidates, name, total[name]);
                    total[name] = -1.0;
                }
            }
        }
    }
    free(keep);
    return chosen;
}

/* The names a query's evidence leads to, scored, best first (FuzzyIndex.candidates,
   Table.rank): into `out` (room for params.candidates); their count, -1 on no memory.
   `total` is the scratch array. */
static long rank_names(const TableObject *self, const query_part *qs, Py_ssize_t nq,
                       double floor, Py_ssize_t first, double *total, ranked *out) {
    const params *p = &self->p;
    const table_view *t = &self->t;
    ranked *best = malloc((size_t)p->candidates * sizeof *best);
    if (best == NULL) return -1;
    long kept = 0;
    int failed = 0;
    Py_BEGIN_ALLOW_THREADS
    long chosen = choose(p, qs, nq, total, best);
    failed = chosen < 0;
    /* The bound, then the score, of each name chosen (FuzzyIndex.candidates), kept
       best first (a stable insertion: equal scores stay in the order chosen). */
    for (long k = 0; k < chosen && !failed; k++) {
        int64_t name = best[k].name;
        if (floor == floor && !could_reach(p, t, qs, nq, name, floor)) continue;
        double score = score_name(p, t, qs, nq, name, first, NULL);
        if (score < 0) {
            failed = 1;
            break;
        }
        long at = kept++;
        while (at > 0 && out[at - 1].evidence < score) {
            out[at] = out[at - 1];
            at--;
        }
        out[at] = (ranked){score, name};
    }
    Py_END_ALLOW_THREADS
    free(best);
    return failed ? -1 : kept;
}

/* A call's query read (read_query) and its scratch array held: what rank() and
   lookup() share. */
typedef struct {
    holder h;
    query_part *qs;
    Py_ssize_t nq;
    double *scratch;
} ranking_call;

static int ranking_call_init(TableObject *self, ranking_call *call, PyObject *query,
                             PyObject *fathers, PyObject *scratch_object) {
    call->nq = PyTuple_GET_SIZE(query);
    call->qs = calloc((size_t)call->nq + 1, sizeof *call->qs);
    call->h.views = NULL;
    if (call->qs == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    if (holder_init(&call->h, 1) < 0 ||
        read_query((PyObject *)self, query, fathers, call->qs, call->nq) < 0)
        return -1;
    Py_ssize_t n_scratch;
    call->scratch = (double *)hold(&call->h, scratch_object, 8, &n_scratch, 1);
    if (call->scratch == NULL) return -1;
    if (n_scratch != self->t.names) {
        PyErr_SetString(PyExc_ValueError, "a scratch array of the wrong size");
        return -1;
    }
    return 0;
}

static void ranking_call_free(ranking_call *call) {
    free(call->qs);
    if (call->h.views != NULL) release(&call->h);
}

static PyObject *ints(const int *values, int n) {
    PyObject *out = PyTuple_New(n);
    if (out == NULL) return NULL;
    for (int k = 0; k < n; k++) {
        PyObject *item = PyLong_FromLong(values[k]);
        if (item == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyTuple_SET_ITEM(out, k, item);
    }
    return out;
}

/* One name scored and explained (FuzzyIndex.explained): (score, pairs, missing,
   extra, conflicts); NULL with an exception set on failure. */
static PyObject *explanation(const TableObject *self, const query_part *qs, Py_ssize_t nq,
                             int64_t name, Py_ssize_t first) {
    const table_view *t = &self->t;
    int nt = (int)(t->starts[name + 1] - t->starts[name]);
    record rec = {0};
    size_t room = (size_t)(nq + 1) * (size_t)(nt + 1);
    rec.pairs = malloc(room * sizeof *rec.pairs);
    rec.missing = malloc((size_t)(nt + 1) * sizeof(int));
    rec.conflict_t = malloc((size_t)(nt + 1) * sizeof(int));
    rec.extra = malloc((size_t)(nq + 1) * sizeof(int));
    rec.conflict_q = malloc((size_t)(nq + 1) * sizeof(int));
    PyObject *result = NULL, *pairs = NULL, *conflicts = NULL, *missing = NULL, *extra = NULL;
    if (!rec.pairs || !rec.missing || !rec.conflict_t || !rec.extra || !rec.conflict_q) {
        PyErr_NoMemory();
        goto done;
    }
    double score = score_name(&self->p, t, qs, nq, name, first, &rec);
    if (score < 0) {
        PyErr_NoMemory();
        goto done;
    }
    pairs = PyTuple_New(rec.n_pairs);
    conflicts = PyTuple_New(rec.n_conflicts);
    missing = ints(rec.missing, rec.n_missing);
    extra = ints(rec.extra, rec.n_extra);
    if (!pairs || !conflicts || !missing || !extra) goto done;
    for (int k = 0; k < rec.n_pairs; k++) {
        option o = rec.pairs[k];
        PyObject *item = Py_BuildValue("(iidi)", o.i, o.j, o.sim, o.rule);
        if (item == NULL) goto done;
        PyTuple_SET_ITEM(pairs, k, item);
    }
    for (int k = 0; k < rec.n_conflicts; k++) {
        PyObject *item = Py_BuildValue("(ii)", rec.conflict_q[k], rec.conflict_t[k]);
        if (item == NULL) goto done;
        PyTuple_SET_ITEM(conflicts, k, item);
    }
    result = Py_BuildValue("(dOOOO)", score, pairs, missing, extra, conflicts);
done:
    Py_XDECREF(pairs);
    Py_XDECREF(conflicts);
    Py_XDECREF(missing);
    Py_XDECREF(extra);
    free(rec.pairs);
    free(rec.missing);
    free(rec.conflict_t);
    free(rec.extra);
    free(rec.conflict_q);
    return result;
}

static PyObject *table_explain(TableObject *self, PyObject *args) {
    PyObject *query_object, *fathers;
    long long name;
    Py_ssize_t first;
    if (!PyArg_ParseTuple(args, "O!SLn:explain", &PyTuple_Type, &query_object, &fathers, &name,
                          &first))
        return NULL;
    if (name < 0 || name >= self->t.names) {
        PyErr_SetString(PyExc_IndexError, "no such name");
        return NULL;
    }
    Py_ssize_t nq = PyTuple_GET_SIZE(query_object);
    query_part *qs = calloc((size_t)nq + 1, sizeof *qs);
    PyObject *result = NULL;
    if (qs == NULL)
        PyErr_NoMemory();
    else if (read_query((PyObject *)self, query_object, fathers, qs, nq) == 0)
        result = explanation(self, qs, nq, name, first);
    free(qs);
    return result;
}

/* rank() and lookup(): the ranking, then either every name with its score, or (when
   `explain`) what a lookup reports: the first (best) name of each entity; none when
   the best scores under `threshold`; else those within `margin` of it, each explained,
   (name, (score, pairs, missing, extra, conflicts)). */
static PyObject *ranking(TableObject *self, PyObject *query_object, PyObject *fathers,
                         double floor, Py_ssize_t first, PyObject *scratch_object, int explain,
                         double threshold, double margin) {
    ranking_call call;
    ranked *out = malloc((size_t)self->p.candidates * sizeof *out);
    PyObject *result = NULL;
    if (ranking_call_init(self, &call, query_object, fathers, scratch_object) < 0 || out == NULL)
        goto done;
    long kept = rank_names(self, call.qs, call.nq, floor, first, call.scratch, out);
    if (kept < 0) {
        PyErr_NoMemory();
        goto done;
    }
    if (explain) {
        long reported = 0;
        for (long k = 0; k < kept; k++) { /* the first name of each entity is its best */
            int32_t entity = self->entities[out[k].name];
            int seen = 0;
            for (long m = 0; m < reported && !seen; m++)
                seen = self->entities[out[m].name] == entity;
            if (!seen) out[reported++] = out[k];
        }
        if (reported > 0 && !(out[0].evidence >= threshold)) reported = 0;
        kept = 0;
        while (kept < reported && out[0].evidence - out[kept].evidence < margin) kept++;
    }
    result = PyList_New(kept);
    for (long k = 0; result != NULL && k < kept; k++) {
        PyObject *item;
        if (explain) {
            PyObject *why = explanation(self, call.qs, call.nq, out[k].name, first);
            item = why ? Py_BuildValue("(LN)", (long long)out[k].name, why) : NULL;
        } else {
            item = Py_BuildValue("(Ld)", (long long)out[k].name, out[k].evidence);
        }
        if (item == NULL) {
            Py_CLEAR(result);
            break;
        }
        PyList_SET_ITEM(result, k, item);
    }
done:
    if (out == NULL && !PyErr_Occurred()) PyErr_NoMemory();
    ranking_call_free(&call);
    free(out);
    return result;
}

static PyObject *table_rank(TableObject *self, PyObject *args) {
    PyObject *query_object, *fathers, *scratch_object;
    double floor;
    Py_ssize_t first;
    if (!PyArg_ParseTuple(args, "O!SdnO:rank", &PyTuple_Type, &query_object, &fathers, &floor,
                          &first, &scratch_object))
        return NULL;
    return ranking(self, query_object, fathers, floor, first, scratch_object, 0, 0.0, 0.0);
}

/* lookup(query, fathers, floor, first, scratch, threshold, margin) -> list (see
   ranking; namenorm.resolver.Resolver._fuzzy). */
static PyObject *table_lookup(TableObject *self, PyObject *const *args, Py_ssize_t nargs) {
    PyObject *query_object, *fathers, *scratch_object;
    double floor, threshold, margin;
    Py_ssize_t first;
    if (fast_count("lookup", nargs, 7) < 0 ||
        fast_type(args[0], PyTuple_Check(args[0]), "a tuple") < 0 ||
        fast_type(args[1], PyBytes_Check(args[1]), "bytes") < 0 ||
        fast_double(args[2], &floor) < 0 || fast_ssize(args[3], &first) < 0 ||
        fast_double(args[5], &threshold) < 0 || fast_double(args[6], &margin) < 0)
        return NULL;
    query_object = args[0];
    fathers = args[1];
    scratch_object = args[4];
    return ranking(self, query_object, fathers, floor, first, scratch_object, 1, threshold,
                   margin);
}

/* Sorts in place (quicksort, insertion sort for short runs), a few hundred items at a
   time with no allocation, each with its order inlined (qsort calls its comparison
   through a pointer and sorts by merging, through a buffer it allocates): BEFORE(x, y)
   says whether x goes before y, and must be a total order (then any correct sort gives
   the same result). */
#define DEFINE_SORT(name, item, BEFORE)                                                      \
    static void name(item *a, Py_ssize_t n) {                                                \
        while (n > 12) {                                                                     \
            item pivot = a[n / 2];                                                           \
            Py_ssize_t i = 0, j = n - 1;                                                     \
            while (i <= j) {                                                                 \
                while (BEFORE(&a[i], &pivot)) i++;                                           \
                while (BEFORE(&pivot, &a[j])) j--;                                           \
                if (i <= j) {                                                                \
                    item t = a[i];                                                           \
                    a[i] = a[j];                                                             \
                    a[j] = t;                                                                \
                    i++;                                                                     \
                    j--;                                                                     \
                }                                                                            \
            }                                                                                \
            /* recurse into the smaller side, loop on the larger */                          \
            if (j + 1 < n - i) {                                                             \
                name(a, j + 1);                                                              \
                a += i;                                                                      \
                n -= i;                                                                      \
            } else {                                                                         \
                name(a + i, n - i);                                                          \
                n = j + 1;                                                                   \
            }                                                                                \
        }                                                                                    \
        for (Py_ssize_t k = 1; k < n; k++) {                                                 \
            item x = a[k];                                                                   \
            Py_ssize_t m = k - 1;                                                            \
            while (m >= 0 && BEFORE(&x, &a[m])) {                                            \
                a[m + 1] = a[m];                                                             \
                m--;                                                                         \
            }                                                                                \
            a[m + 1] = x;                                                                    \
        }                                                                                    \
    }

static inline int int64_before(const int64_t *x, const int64_t *y) { return *x < *y; }

DEFINE_SORT(sort_int64, int64_t, int64_before)

/* The names a query part's neighbours lead to, with the part's evidence for each
   (namenorm.fuzzy.FuzzyIndex._evidence_of): neighbours at least `least` alike lead
   to the names holding them; a name's evidence is the largest similarity x weight
   among its parts met. Names met through parts in more than `common` names are kept
   apart. Returns bytes: the rare names then the common ones (int64, each ascending),
   then their evidence (float64); and in *rare how many are rare. `parts` must be in
   range; `scratch` (a slot per name, zeroed) is left zeroed. */
static PyObject *evidence_bytes(const table_view *t, const int64_t *parts, const double *sims,
                                Py_ssize_t n, double least, long long common, double *scratch,
                                Py_ssize_t *rare) {
    Py_ssize_t total = 0;
    for (Py_ssize_t k = 0; k < n; k++)
        if (sims[k] >= least)
            total += (Py_ssize_t)(t->post_starts[parts[k] + 1] - t->post_starts[parts[k]]);
    int64_t *touched = malloc(((size_t)total + 1) * sizeof *touched);
    int64_t *out = malloc(((size_t)total + 1) * 2 * sizeof *out);
    PyObject *result = NULL;
    if (touched == NULL || out == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t found = 0;
    for (int group = 0; group < 2; group++) { /* rare parts, then common ones */
        Py_ssize_t met = 0;
        for (Py_ssize_t k = 0; k < n; k++) {
            uint64_t a = t->post_starts[parts[k]], b = t->post_starts[parts[k] + 1];
            if (!(sims[k] >= least) || ((int64_t)(b - a) > common) != group) continue;
            double weight = sims[k] * t->weights[parts[k]];
            for (uint64_t i = a; i < b; i++) {
                int64_t name = t->post_items[i];
                if (scratch[name] == 0.0) touched[met++] = name;
                if (weight > scratch[name]) scratch[name] = weight;
            }
        }
        sort_int64(touched, met);
        for (Py_ssize_t i = 0; i < met; i++) { /* read back, and clear for the next */
            out[found + i] = touched[i];
            memcpy(&out[total + found + i], &scratch[touched[i]], 8);
            scratch[touched[i]] = 0.0;
        }
        found += met;
        if (group == 0) *rare = met;
    }
    /* names then evidence, side by side */
    memmove(out + found, out + total, (size_t)found * sizeof *out);
    result = PyBytes_FromStringAndSize((const char *)out, found * 16);
done:
    free(touched);
    free(out);
    return result;
}

/* Bytes per neighbour in what Rows.near returns: part, similarity, rule. */
enum { NEAR_ITEM = 17 };

/* part(near, first, single, patronymic, no_group, own, least, common, scratch) -> Part */
static PyObject *table_part(TableObject *self, PyObject *const *args, Py_ssize_t nargs) {
    PyObject *near, *scratch_object;
    long first;
    int single, patronymic, no_group;
    Py_ssize_t own;
    double least;
    long long common;
    if (fast_count("part", nargs, 9) < 0 ||
        fast_type(args[0], PyBytes_Check(args[0]), "bytes") < 0 ||
        fast_long(args[1], &first) < 0 || fast_bool(args[2], &single) < 0 ||
        fast_bool(args[3], &patronymic) < 0 || fast_bool(args[4], &no_group) < 0 ||
        fast_ssize(args[5], &own) < 0 || fast_double(args[6], &least) < 0 ||
        fast_long_long(args[7], &common) < 0)
        return NULL;
    near = args[0];
    scratch_object = args[8];
    const table_view *t = &self->t;
    Py_ssize_t size = PyBytes_GET_SIZE(near), n = size / NEAR_ITEM;
    const char *raw = PyBytes_AS_STRING(near);
    const int64_t *parts = (const int64_t *)raw;
    const double *sims = (const double *)(raw + 8 * n);
    const int8_t *rules = (const int8_t *)(raw + 16 * n);
    int bad = size % NEAR_ITEM != 0 || own < -1 || own >= t->parts || !(least > 0.0);
    for (Py_ssize_t k = 0; !bad && k < n; k++)
        bad = parts[k] < 0 || parts[k] >= t->parts || (k > 0 && parts[k] < parts[k - 1]) ||
              rules[k] < 0 || rules[k] > 30 || !(sims[k] >= 0.0 && sims[k] <= 1.0);
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "part: neighbours or numbers out of range");
        return NULL;
    }
    holder h;
    if (holder_init(&h, 1) < 0) return NULL;
    Py_ssize_t n_scratch;
    double *scratch = (double *)hold(&h, scratch_object, 8, &n_scratch, 1);
    PartObject *part = NULL;
    if (scratch == NULL) goto done;
    if (n_scratch != t->names) {
        PyErr_SetString(PyExc_ValueError, "a scratch array of the wrong size");
        goto done;
    }
    part = PyObject_New(PartObject, &PartType);
    if (part == NULL) goto done;
    part->table = part->near = part->evidence = NULL;
    part->slots = NULL;
    part->evidence = evidence_bytes(t, parts, sims, n, least, common, scratch, &part->rare);
    if (part->evidence == NULL) {
        Py_CLEAR(part);
        goto done;
    }
    Py_INCREF(self);
    part->table = (PyObject *)self;
    Py_INCREF(near);
    part->near = near;
    /* its weight when left over (FuzzyIndex._query_weight) */
    double weight = self->p.log_n;
    if (single) {
        weight = 1.0;
    } else if (own >= 0) {
        weight = t->weights[own];
    } else if (n > 0) {
        weight = Py_HUGE_VAL;
        for (Py_ssize_t k = 0; k < n; k++)
            if (t->weights[parts[k]] < weight) weight = t->weights[parts[k]];
    }
    /* the neighbours' positions by part number, at most half full (a part with more
       neighbours than an int16 counts is searched for instead) */
    uint64_t room = 8;
    int shift = 61;
    while (room < 2 * (uint64_t)n) {
        room *= 2;
        shift--;
    }
    if (n > 0 && n <= INT16_MAX) {
        part->slots = malloc(room * sizeof *part->slots);
        if (part->slots == NULL) {
            Py_CLEAR(part);
            PyErr_NoMemory();
            goto done;
        }
        memset(part->slots, 0xFF, room * sizeof *part->slots);
        for (Py_ssize_t k = 0; k < n; k++) {
            uint64_t slot = near_slot(parts[k], shift);
            while (part->slots[slot] >= 0) slot = (slot + 1) & (room - 1);
            part->slots[slot] = (int16_t)k;
        }
    }
    Py_ssize_t found = PyBytes_GET_SIZE(part->evidence) / 16;
    const int64_t *names = (const int64_t *)PyBytes_AS_STRING(part->evidence);
    const double *evidence = (const double *)(names + found);
    part->q = (query_part){
        .first = first,
        .single = single,
        .patronymic = patronymic,
        .no_group = no_group,
        .weight = weight,
        .near_parts = parts,
        .near_slots = part->slots,
        .near_mask = room - 1,
        .near_shift = shift,
        .near_sims = sims,
        .near_rules = rules,
        .near_count = n,
        .names = names,
        .evidence = evidence,
        .name_count = part->rare,
        .common_names = names + part->rare,
        .common_evidence = evidence + part->rare,
        .common_count = found - part->rare,
    };
done:
    release(&h);
    return (PyObject *)part;
}

static void part_dealloc(PartObject *self) {
    free(self->slots);
    Py_XDECREF(self->table);
    Py_XDECREF(self->near);
    Py_XDECREF(self->evidence);
    PyObject_Free(self);
}

static PyMemberDef part_members[] = {
    {"near", T_OBJECT, offsetof(PartObject, near), READONLY,
     "its neighbours, as Rows.near returned them"},
    {"evidence", T_OBJECT, offsetof(PartObject, evidence), READONLY,
     "the names its neighbours lead to, rare then common (int64, each ascending), then "
     "its evidence for each (float64)"},
    {"rare", T_PYSSIZET, offsetof(PartObject, rare), READONLY, "how many names are rare"},
    {"weight", T_DOUBLE, offsetof(PartObject, q.weight), READONLY,
     "its weight when left over"},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject PartType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "namenorm._kernel.Part",
    .tp_basicsize = sizeof(PartObject),
    .tp_dealloc = (destructor)part_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A query part read for one table (made by Table.part): its neighbours, the\n"
              "names they lead to and its evidence for each, its weight and flags.",
    .tp_members = part_members,
};

static PyMethodDef table_methods[] = {
    {"part", (PyCFunction)(void (*)(void))table_part, METH_FASTCALL,
     "part(near, first, single, patronymic, no_group, own, least, common, scratch) -> Part\n\n"
     "A query part read for this table: its neighbours (what Rows.near returned), the\n"
     "code point of its first letter, its flags, its own part number (-1: none), and\n"
     "the evidence its neighbours give (see namenorm.fuzzy.FuzzyIndex._evidence_of):\n"
     "those at least `least` alike lead to names, kept apart when their part is in more\n"
     "than `common` names. scratch: a zeroed float64 array with a slot per name, left\n"
     "zeroed."},
    {"rank", (PyCFunction)table_rank, METH_VARARGS,
     "rank(query, fathers, floor, first, scratch) -> list[tuple[int, float]]\n\n"
     "Score the names a query's evidence leads to (see namenorm.fuzzy.FuzzyIndex.rank):\n"
     "(name, score) pairs, best first, equal scores in the order they were chosen."},
    {"lookup", (PyCFunction)(void (*)(void))table_lookup, METH_FASTCALL,
     "lookup(query, fathers, floor, first, scratch, threshold, margin) -> list\n\n"
     "What a lookup reports: rank()'s names, the best of each entity; none when the\n"
     "best scores under threshold, else those within margin of it, each explained:\n"
     "(name, (score, pairs, missing, extra, conflicts)) as explain() gives."},
    {"explain", (PyCFunction)table_explain, METH_VARARGS,
     "explain(query, fathers, name, first) -> (score, pairs, missing, extra, conflicts)\n\n"
     "Score one name and say how: pairs (query part, table part, similarity, rule) in\n"
     "the order they were aligned, table parts left out, query parts left over, and\n"
     "contradicting (query part, table part), all by position."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject TableType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "namenorm._kernel.Table",
    .tp_basicsize = sizeof(TableObject),
    .tp_dealloc = (destructor)table_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Table(starts, items, roles, role_offsets, weights, firsts, singles,\n"
              "      post_starts, post_items, params, entities)\n\n"
              "A table's names for ranking: per name its parts and their roles; per part\n"
              "its weight, first letter, whether it is one letter long, and the names\n"
              "holding it; per name its entity.",
    .tp_methods = table_methods,
    .tp_new = table_new,
};

/* ---- The neighbours of one query part (namenorm.neighbours) -----------------------
 *
 * Rows.near() compares a query part's spelling codes with the table rows its blocking
 * keys found, and returns the table parts alike enough to be its neighbours, each with
 * its best similarity and the rule behind it, after the equivalences (one given name,
 * one father) have been put over the letters. It is the specification in
 * neighbours.py's module docstring, computed in one pass; tests compare it with a
 * plain Python reading of that specification.
 */

enum { R_SAME, R_GIVEN, R_PATRONYMIC, R_SPELLING, R_EDIT, R_INITIAL, R_ARTICLE, R_SHORT };

typedef struct {
    PyObject_HEAD
    holder h;
    packed strings[SIDES]; /* row -> code, consonants, skeleton */
    const int64_t *owner;  /* row -> table part */
    const unsigned char *stripped; /* row -> 1: the code of the part without its article */
    const unsigned char *fused;    /* part -> 1: the part starts with a fused article */
    const int64_t *given, *patronymic; /* part -> group number, or -1 */
    const int64_t *block_rows;
    Py_ssize_t rows, parts, block_count;
    double min_part, vowel_cost, swap_cost, same_code, group, short_form;
    /* The same rows laid out for the comparison loop: one record per row (its part,
       lengths, flags and three strings side by side), and the blocking keys' rows as
       record positions. A pair then touches one cache line or two instead of nine
       scattered arrays, which on a large table is most of its cost. */
    uint64_t *records;  /* 8-byte words */
    uint32_t *block_at; /* block entry -> the word its row's record starts at */
    /* The blocking keys (a namenorm.store.KeyIndex: packed keys, their values, the
       slots of its hash table) and where each key's rows start in block_rows. */
    key_table keys;
    const uint64_t *block_starts;
    Py_ssize_t n_blocks;
    unsigned char classes[128], dropped[128]; /* as in Speller */
} RowsObject;

/* A row's record: its part, the lengths of its code, consonants and skeleton, whether
   it is the code of the part without its article and whether that part has one; then
   the three strings, padded to a whole number of words. */
typedef struct {
    int64_t part;
    uint16_t len[SIDES];
    uint8_t stripped, fused;
    /* per side after the code (consonants, skeleton): the first row with the same
       string, so that a distance computed for one is known for all */
    uint32_t same[SIDES - 1];
} record_head;

/* The first row of each distinct string of one side, per row: strings hashed (FNV-1a)
   into an open-addressed table of row numbers. -1 when out of memory. */
static int first_rows(const packed *strings, Py_ssize_t rows, uint32_t *out) {
    uint64_t size = 16;
    while (size < 2 * (uint64_t)rows) size *= 2;
    int64_t *table = malloc(size * sizeof *table);
    if (table == NULL) return -1;
    memset(table, 0xFF, size * sizeof *table);
    for (Py_ssize_t r = 0; r < rows; r++) {
        const unsigned char *text = strings->blob + strings->offsets[r];
        uint64_t n = strings->offsets[r + 1] - strings->offsets[r], hash = 1469598103934665603u;
        for (uint64_t i = 0; i < n; i++) hash = (hash ^ text[i]) * 1099511628211u;
        for (uint64_t slot = hash & (size - 1);; slot = (slot + 1) & (size - 1)) {
            int64_t other = table[slot];
            if (other < 0) {
                table[slot] = r;
                out[r] = (uint32_t)r;
                break;
            }
            uint64_t m = strings->offsets[other + 1] - strings->offsets[other];
            if (m == n && memcmp(strings->blob + strings->offsets[other], text, n) == 0) {
                out[r] = (uint32_t)other;
                break;
            }
        }
    }
    free(table);
    return 0;
}

static void rows_dealloc(RowsObject *self) {
    release(&self->h);
    free(self->records);
    free(self->block_at);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Lay the rows out as records (see RowsObject); -1 when they do not fit. */
/* The skeletons the row order below compares (set while a Rows is laid out, under
   the GIL). */
static const packed *sorting_skeletons;

static int skeleton_order(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    const packed *k = sorting_skeletons;
    uint64_t nx = k->offsets[x + 1] - k->offsets[x], ny = k->offsets[y + 1] - k->offsets[y];
    int c = memcmp(k->blob + k->offsets[x], k->blob + k->offsets[y], nx < ny ? nx : ny);
    if (c != 0) return c;
    if (nx != ny) return nx < ny ? -1 : 1;
    return (x > y) - (x < y);
}

static int rows_lay_out(RowsObject *self) {
    uint64_t *start = malloc(((size_t)self->rows + 1) * sizeof *start);
    uint32_t *order = malloc(((size_t)self->rows + 1) * sizeof *order);
    if (start == NULL || order == NULL || self->rows > (Py_ssize_t)UINT32_MAX) {
        free(start);
        free(order);
        return -1;
    }
    /* Records in the order of their skeletons: a blocking key's rows share a few
       skeletons, and so come from a few stretches of memory rather than the whole
       table (which at 100k names is far larger than the caches). */
    for (Py_ssize_t r = 0; r < self->rows; r++) order[r] = (uint32_t)r;
    sorting_skeletons = &self->strings[2];
    qsort(order, (size_t)self->rows, sizeof *order, skeleton_order);
    sorting_skeletons = NULL;
    uint64_t words = 0;
    for (Py_ssize_t k = 0; k < self->rows; k++) {
        Py_ssize_t r = order[k];
        start[r] = words;
        uint64_t bytes = sizeof(record_head);
        for (int s = 0; s < SIDES; s++) {
            uint64_t n = self->strings[s].offsets[r + 1] - self->strings[s].offsets[r];
            if (n > UINT16_MAX) {
                free(start);
                free(order);
                return -1;
            }
            bytes += n;
        }
        words += (bytes + 7) / 8;
    }
    free(order);
    if (words > UINT32_MAX) {
        free(start);
        return -1;
    }
    self->records = calloc((size_t)words + 1, 8);
    self->block_at = malloc(((size_t)self->block_count + 1) * sizeof *self->block_at);
    uint32_t *same = malloc(((size_t)self->rows + 1) * (SIDES - 1) * sizeof *same);
    if (self->records == NULL || self->block_at == NULL || same == NULL ||
        self->rows > (Py_ssize_t)UINT32_MAX || first_rows(&self->strings[1], self->rows, same) < 0 ||
        first_rows(&self->strings[2], self->rows, same + self->rows) < 0) {
        free(start);
        free(same);
        return -1;
    }
    for (Py_ssize_t r = 0; r < self->rows; r++) {
        unsigned char *at = (unsigned char *)(self->records + start[r]);
        record_head head = {self->owner[r], {0, 0, 0}, self->stripped[r],
                            self->fused[self->owner[r]], {same[r], same[self->rows + r]}};
        unsigned char *text = at + sizeof head;
        for (int s = 0; s < SIDES; s++) {
            uint64_t a = self->strings[s].offsets[r], b = self->strings[s].offsets[r + 1];
            head.len[s] = (uint16_t)(b - a);
            memcpy(text, self->strings[s].blob + a, (size_t)(b - a));
            text += b - a;
        }
        memcpy(at, &head, sizeof head);
    }
    for (Py_ssize_t k = 0; k < self->block_count; k++)
        self->block_at[k] = (uint32_t)start[self->block_rows[k]];
    free(start);
    free(same);
    return 0;
}

static PyObject *rows_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    PyObject *objects[6], *owner, *stripped, *fused, *given, *patronymic, *block_rows;
    PyObject *keys, *key_offsets, *key_values, *slots, *block_starts;
    Py_buffer classes, dropped;
    RowsObject *self = NULL;
    static char *keywords[] = {"codes", "code_offsets", "consonants", "consonant_offsets",
                               "skeletons", "skeleton_offsets", "owner", "stripped", "fused",
                               "given", "patronymic", "block_rows", "block_keys",
                               "block_key_offsets", "block_key_values", "block_slots",
                               "block_starts", "classes", "dropped", "min_part", "vowel_cost",
                               "swap_cost", "same_code", "group", "short_form", NULL};
    double min_part, vowel_cost, swap_cost, same_code, group, short_form;
    if (!PyArg_ParseTupleAndKeywords(
            args, kwargs, "OOOOOOOOOOOOOOOOOy*y*dddddd:Rows", keywords, &objects[0],
            &objects[1], &objects[2], &objects[3], &objects[4], &objects[5], &owner, &stripped,
            &fused, &given, &patronymic, &block_rows, &keys, &key_offsets, &key_values, &slots,
            &block_starts, &classes, &dropped, &min_part, &vowel_cost, &swap_cost, &same_code,
            &group, &short_form))
        return NULL;
    int tables_fit = classes.len == 128 && dropped.len == 128;
    if (tables_fit) {
        self = (RowsObject *)type->tp_alloc(type, 0);
        if (self != NULL) {
            memcpy(self->classes, classes.buf, 128);
            memcpy(self->dropped, dropped.buf, 128);
        }
    }
    PyBuffer_Release(&classes);
    PyBuffer_Release(&dropped);
    if (!tables_fit) {
        PyErr_SetString(PyExc_ValueError, "classes and dropped need a byte per ASCII letter");
        return NULL;
    }
    if (self == NULL) return NULL;
    if (holder_init(&self->h, 17) < 0) goto fail;
    for (int k = 0; k < SIDES; k++) {
        Py_ssize_t n_blob, n_offsets;
        const unsigned char *blob = hold(&self->h, objects[2 * k], 1, &n_blob, 0);
        const uint64_t *offsets = blob ? hold(&self->h, objects[2 * k + 1], 8, &n_offsets, 0) : NULL;
        if (!offsets) goto fail;
        if (n_offsets < 1 || offsets[n_offsets - 1] > (uint64_t)n_blob) goto bad;
        for (Py_ssize_t i = 0; i + 1 < n_offsets; i++)
            if (offsets[i] > offsets[i + 1]) goto bad;
        self->strings[k] = (packed){blob, offsets, n_offsets - 1, n_blob};
    }
    Py_ssize_t n_owner, n_stripped, n_given, n_patronymic;
    if (!(self->owner = hold(&self->h, owner, 8, &n_owner, 0)) ||
        !(self->stripped = hold(&self->h, stripped, 1, &n_stripped, 0)) ||
        !(self->fused = hold(&self->h, fused, 1, &self->parts, 0)) ||
        !(self->given = hold(&self->h, given, 8, &n_given, 0)) ||
        !(self->patronymic = hold(&self->h, patronymic, 8, &n_patronymic, 0)) ||
        !(self->block_rows = hold(&self->h, block_rows, 8, &self->block_count, 0)))
        goto fail;
    self->rows = self->strings[0].count;
    if (self->strings[1].count != self->rows || self->strings[2].count != self->rows ||
        n_owner != self->rows || n_stripped != self->rows || n_given != self->parts ||
        n_patronymic != self->parts)
        goto bad;
    for (Py_ssize_t r = 0; r < self->rows; r++)
        if (self->owner[r] < 0 || self->owner[r] >= self->parts) goto bad;
    for (Py_ssize_t k = 0; k < self->block_count; k++)
        if (self->block_rows[k] < 0 || self->block_rows[k] >= self->rows) goto bad;
    Py_ssize_t n_starts;
    if (!(self->block_starts = hold(&self->h, block_starts, 8, &n_starts, 0))) goto fail;
    self->n_blocks = n_starts - 1;
    if (n_starts < 1 || self->block_starts[n_starts - 1] > (uint64_t)self->block_count)
        goto bad;
    for (Py_ssize_t i = 0; i + 1 < n_starts; i++)
        if (self->block_starts[i] > self->block_starts[i + 1]) goto bad;
    if (key_table_hold(&self->h, keys, key_offsets, key_values, slots, self->n_blocks,
                       &self->keys) < 0)
        goto fail;
    /* the early bounds of near() need costs that are not negative, and a same-code
       similarity in [0, 1] (an article's factor never raises a similarity) */
    if (!(vowel_cost >= 0.0) || !(swap_cost >= 0.0) || !(same_code >= 0.0 && same_code <= 1.0))
        goto bad;
    self->min_part = min_part;
    self->vowel_cost = vowel_cost;
    self->swap_cost = swap_cost;
    self->same_code = same_code;
    self->group = group;
    self->short_form = short_form;
    if (rows_lay_out(self) < 0) {
        PyErr_SetString(PyExc_MemoryError, "no room to lay the rows out");
        goto fail;
    }
    return (PyObject *)self;
bad:
    PyErr_SetString(PyExc_ValueError, "the rows' arrays disagree with one another");
fail:
    Py_XDECREF(self);
    return NULL;
}

typedef struct {
    int64_t part;
    double sim;
    int rule;
    Py_ssize_t seq; /* order of arrival: the first of equals wins */
} entry;

/* By part; then best first; a plain reading before one with an article taken off;
   then first come. */
static int entry_order(const void *a, const void *b) {
    const entry *x = a, *y = b;
    if (x->part != y->part) return x->part < y->part ? -1 : 1;
    if (x->sim != y->sim) return x->sim > y->sim ? -1 : 1;
    int xa = x->rule == R_ARTICLE, ya = y->rule == R_ARTICLE;
    if (xa != ya) return xa - ya;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* By part (the entries of one call are one per part). */
static inline int part_before(const entry *x, const entry *y) { return x->part < y->part; }

DEFINE_SORT(sort_by_part, entry, part_before)

/* The entries of one call, at most one per table part: a part met again (another
   reading, another key's rows, an equivalence) keeps the better of the two entries,
   in entry_order, which the first come wins ties of. The parts are found through a
   hash table of entry positions, sized for every pair the call can meet. */
typedef struct {
    entry *items;
    Py_ssize_t count, room, arrivals;
    int32_t *slots; /* entry position, or -1 */
    uint64_t mask;
    int shift;
} entries;

/* Room for `most` entries; -1 when out of memory. */
static int entries_init(entries *e, Py_ssize_t most) {
    uint64_t size = 64;
    int bits = 6;
    while (size < 2 * (uint64_t)most) {
        size *= 2;
        bits++;
    }
    e->items = malloc(((size_t)most + 1) * sizeof *e->items);
    e->slots = malloc(size * sizeof *e->slots);
    e->count = e->arrivals = 0;
    e->room = most;
    e->mask = size - 1;
    e->shift = 64 - bits;
    if (e->items == NULL || e->slots == NULL) return -1;
    memset(e->slots, 0xFF, size * sizeof *e->slots);
    return 0;
}

static void entries_free(entries *e) {
    free(e->items);
    free(e->slots);
}

/* The distances a reading's consonants and skeleton have had, by the first row with
   the same string (rows of a block share a handful of skeletons): slots stamped with
   the reading they belong to, so that a new reading needs no clearing. A slot taken
   by another string within a few probes leaves the distance uncached, not wrong. */
typedef struct {
    uint32_t same, stamp;
    Py_ssize_t distance;
} memo_slot;

enum { MEMO_SLOTS = 1024, MEMO_PROBES = 4 };

/* What a thread keeps between calls of near(): the bit-parallel patterns of its
   query readings, with their tables cleared (pattern_set clears what the previous
   text set, so that a call need not zero 6 KB before it starts), and the distance
   memo with its stamp. */
typedef struct {
    pattern patterns[SIDES];
    memo_slot memo[SIDES - 1][MEMO_SLOTS];
    uint32_t stamp;
    /* row -> the stamp of the reading that last met it: a row sits under several of a
       reading's keys (a row with the reading's own skeleton under every one-consonant
       change of it), and is compared with the reading once */
    uint32_t *visited;
    size_t visited_room;
} thread_state;

static _Thread_local thread_state thread_states;

/* This thread's state. Thread-local storage in a shared library is reached through
   a call (__tls_get_addr), which the compiler would rather repeat than keep its
   result: the address comes from a function it cannot see into, once per call. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static thread_state *this_thread(void) {
    return &thread_states;
}

/* A new stamp for a new reading (0 marks an empty slot). */
static uint32_t next_stamp(thread_state *ts) {
    if (++ts->stamp == 0) {
        memset(ts->memo, 0, sizeof ts->memo);
        if (ts->visited != NULL) memset(ts->visited, 0, ts->visited_room * sizeof *ts->visited);
        ts->stamp = 1;
    }
    return ts->stamp;
}

/* Room in this thread's visited stamps for `rows` rows (kept for the thread's life:
   the tables a thread looks up in are few). -1 when out of memory. */
static int visited_reserve(thread_state *ts, size_t rows) {
    if (rows <= ts->visited_room) return 0;
    uint32_t *grown = realloc(ts->visited, rows * sizeof *grown);
    if (grown == NULL) return -1;
    memset(grown + ts->visited_room, 0, (rows - ts->visited_room) * sizeof *grown);
    ts->visited = grown;
    ts->visited_room = rows;
    return 0;
}

static ALWAYS_INLINE Py_ssize_t memo_distance(memo_slot *memo, uint32_t stamp, uint32_t same,
                                              const pattern *p, const unsigned char *text,
                                              Py_ssize_t n) {
    uint32_t home = (same * 2654435761u) & (MEMO_SLOTS - 1);
    for (int probe = 0; probe < MEMO_PROBES; probe++) {
        memo_slot *m = &memo[(home + (uint32_t)probe) & (MEMO_SLOTS - 1)];
        if (m->stamp == stamp && m->same == same) return m->distance;
        if (m->stamp != stamp) {
            Py_ssize_t d = distance(p, text, n);
            *m = (memo_slot){same, stamp, d};
            return d;
        }
    }
    return distance(p, text, n);
}

/* Offer an entry for a part: kept when the part has none yet or a worse one. */
static void offer_entry(entries *e, int64_t part, double sim, int rule) {
    entry offered = {part, sim, rule, e->arrivals++};
    uint64_t slot = ((uint64_t)part * 0x9E3779B97F4A7C15u) >> e->shift;
    for (;;) {
        int32_t at = e->slots[slot];
        if (at < 0) break;
        if (e->items[at].part == part) {
            if (entry_order(&offered, &e->items[at]) < 0) e->items[at] = offered;
            return;
        }
        slot = (slot + 1) & e->mask;
    }
    e->slots[slot] = (int32_t)e->count;
    e->items[e->count++] = offered;
}

/* How many pairs ahead the comparison loop asks for a row's record. */
enum { PREFETCH_AHEAD = 6 };

static int64_t *spans_of(const RowsObject *self, PyObject *codes, Py_ssize_t *n_out);

static PyObject *rows_near(RowsObject *self, PyObject *const *args, Py_ssize_t nargs) {
    PyObject *codes, *spans_object, *extra_object, *short_object;
    Py_buffer bare;
    int fused;
    long long own, given, father;
    if (fast_count("near", nargs, 9) < 0 || fast_type(args[0], PyTuple_Check(args[0]), "a tuple") < 0 ||
        fast_bool(args[2], &fused) < 0 || fast_long_long(args[3], &own) < 0 ||
        fast_long_long(args[4], &given) < 0 || fast_long_long(args[5], &father) < 0 ||
        PyObject_GetBuffer(args[1], &bare, PyBUF_SIMPLE) < 0)
        return NULL;
    codes = args[0];
    spans_object = args[6];
    extra_object = args[7];
    short_object = args[8];
    unsigned char *derived = NULL; /* the readings' consonants and skeletons */
    holder h;
    entries e = {NULL, 0, 0, 0, NULL, 0, 0};
    pattern *patterns = NULL;
    PyObject *result = NULL;
    int64_t *own_spans = NULL; /* the spans, found here when the caller passes None */
    if (holder_init(&h, 3) < 0) {
        PyBuffer_Release(&bare);
        return NULL;
    }
    Py_ssize_t n_codes = PyTuple_GET_SIZE(codes), n_spans = 0, n_extra, n_short;
    const int64_t *spans = spans_object == Py_None
                               ? (own_spans = spans_of(self, codes, &n_spans))
                               : hold(&h, spans_object, 8, &n_spans, 0);
    const int64_t *extra = spans ? hold(&h, extra_object, 8, &n_extra, 0) : NULL;
    const int64_t *shorts = extra ? hold(&h, short_object, 8, &n_short, 0) : NULL;
    if (!shorts) goto done;
    if (bare.len != n_codes || n_spans % 3) {
        PyErr_SetString(PyExc_ValueError, "a query part's codes disagree with one another");
        goto done;
    }
    const unsigned char *q_text[SIDES][64];
    Py_ssize_t q_len[SIDES][64];
    if (n_codes > 64) {
        PyErr_SetString(PyExc_ValueError, "more than 64 readings of one part");
        goto done;
    }
    size_t total = 0;
    for (Py_ssize_t c = 0; c < n_codes; c++) {
        PyObject *item = PyTuple_GET_ITEM(codes, c);
        if (!PyBytes_Check(item) ||
            !is_ascii((const unsigned char *)PyBytes_AS_STRING(item), PyBytes_GET_SIZE(item))) {
            PyErr_SetString(PyExc_ValueError, "codes must be ASCII bytes");
            goto done;
        }
        q_text[0][c] = (const unsigned char *)PyBytes_AS_STRING(item);
        q_len[0][c] = PyBytes_GET_SIZE(item);
        total += (size_t)q_len[0][c];
    }
    derived = malloc(2 * total + 1);
    if (derived == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    unsigned char *next = derived;
    for (Py_ssize_t c = 0; c < n_codes; c++)
        for (int s = 1; s < SIDES; s++) { /* consonants as written, then the skeleton */
            q_text[s][c] = next;
            q_len[s][c] = (Py_ssize_t)consonants_of(self->classes, self->dropped, q_text[0][c],
                                                    (size_t)q_len[0][c], s == 2, next);
            next += q_len[s][c];
        }
    for (Py_ssize_t k = 0; k < n_spans; k += 3)
        if (spans[k] < 0 || spans[k] >= n_codes || spans[k + 1] < 0 ||
            spans[k + 1] > spans[k + 2] || spans[k + 2] > self->block_count) {
            PyErr_SetString(PyExc_ValueError, "a span is out of range");
            goto done;
        }
    for (Py_ssize_t k = 0; k < n_extra; k++)
        if (extra[k] < 0 || extra[k] >= self->parts) goto out_of_range;
    for (Py_ssize_t k = 0; k < n_short; k++)
        if (shorts[k] < 0 || shorts[k] >= self->parts) goto out_of_range;
    if (own >= self->parts) goto out_of_range;
    Py_ssize_t most = n_extra + n_short;
    for (Py_ssize_t k = 0; k < n_spans; k += 3) most += spans[k + 2] - spans[k + 1];
    if (most > INT32_MAX / 2 || entries_init(&e, most) < 0) {
        PyErr_NoMemory();
        goto done;
    }
    thread_state *ts = this_thread();
    if (visited_reserve(ts, (size_t)self->rows + 1) < 0) {
        PyErr_NoMemory();
        goto done;
    }
    uint32_t *visited = ts->visited;
    const int64_t *block_rows = self->block_rows;
    patterns = ts->patterns;
    memo_slot *memo_consonants = ts->memo[0], *memo_skeletons = ts->memo[1];
    const unsigned char *is_bare = bare.buf;
    int failed = 0;
    Py_ssize_t kept = 0;
    char *out = NULL;
    Py_BEGIN_ALLOW_THREADS
    int64_t current = -1;
    uint32_t stamp = 0;
    for (Py_ssize_t k = 0; k < n_spans && !failed; k += 3) {
        int64_t c = spans[k];
        if (c != current) {
            current = c;
            stamp = next_stamp(ts);
            for (int s = 0; s < SIDES; s++) pattern_set(&patterns[s], q_text[s][c], q_len[s][c]);
        }
        for (int64_t at = spans[k + 1]; at < spans[k + 2] && !failed; at++) {
            int64_t row = block_rows[at];
            if (visited[row] == stamp) continue;
            visited[row] = stamp;
#if defined(__GNUC__)
            /* the records of a span are scattered: ask for one a few pairs ahead */
            if (at + PREFETCH_AHEAD < spans[k + 2])
                __builtin_prefetch(self->records + self->block_at[at + PREFETCH_AHEAD]);
#endif
            const unsigned char *rec = (const unsigned char *)(self->records + self->block_at[at]);
            record_head head;
            memcpy(&head, rec, sizeof head);
            const unsigned char *text = rec + sizeof head;
            const unsigned char *texts[SIDES] = {text, text + head.len[0],
                                                 text + head.len[0] + head.len[1]};
            Py_ssize_t longest = q_len[0][c];
            if ((Py_ssize_t)head.len[0] > longest) longest = head.len[0];
            double scale = 0.5 * (double)longest + 1.0;
            /* Skeletons first, then consonants: each distance bounds the cost from
               below (the terms still to come are not negative, and a float sum of
               non-negative terms is not below any of them), and a pair that cannot
               reach MIN_PART, as most cannot, is dropped before the longer strings
               are compared. The bounds compare costs with the most a pair may cost,
               a product rather than a quotient (divisions are slow), with a margin
               that only lets a pair through for the exact test at the end. */
            double allowed = (self->same_code - self->min_part) * scale * (1.0 + 1e-9);
            Py_ssize_t d[SIDES];
            d[2] = memo_distance(memo_skeletons, stamp, head.same[1], &patterns[2], texts[2],
                                 head.len[2]);
            if (d[2] < 0) failed = 1;
            if ((double)d[2] > allowed) continue;
            d[1] = memo_distance(memo_consonants, stamp, head.same[0], &patterns[1], texts[1],
                                 head.len[1]);
            if (d[1] < 0) failed = 1;
            double swaps = d[1] > d[2] ? (double)(d[1] - d[2]) : 0.0;
            if (self->swap_cost * swaps + (double)d[2] > allowed) continue;
            d[0] = distance(&patterns[0], texts[0], head.len[0]);
            if (d[0] < 0) failed = 1;
            double vowels = d[0] > d[1] ? (double)(d[0] - d[1]) : 0.0;
            double cost = self->vowel_cost * vowels + self->swap_cost * swaps + (double)d[2];
            double sim = self->same_code - cost / scale;
            if (sim < 0.0) sim = 0.0;
            /* an article comes off one side only, and only when the other has none */
            int64_t part = head.part;
            int row_bare = head.stripped;
            double plain = !is_bare[c] && !row_bare ? sim : 0.0;
            int takes_off = (is_bare[c] && !row_bare && !head.fused) ||
                            (!is_bare[c] && row_bare && !fused);
            double article = takes_off ? sim * self->same_code : 0.0;
            double best = plain > article ? plain : article;
            if (!(best >= self->min_part)) continue;
            int rule = article > plain ? R_ARTICLE : best >= self->same_code ? R_SPELLING : R_EDIT;
            offer_entry(&e, part, best, rule);
        }
    }
    for (Py_ssize_t k = 0; k < n_extra && !failed; k++) offer_entry(&e, extra[k], 0.0, R_EDIT);
    for (Py_ssize_t k = 0; k < n_short && !failed; k++)
        offer_entry(&e, shorts[k], self->short_form, R_SHORT);
    if (!failed && e.count) {
        for (Py_ssize_t k = 0; k < e.count; k++) {
            entry x = e.items[k];
            int64_t their_father = self->patronymic[x.part], their_given = self->given[x.part];
            if (father != -1 && their_father >= 0) {
                x.sim = their_father == father ? self->group : 0.0;
                x.rule = R_PATRONYMIC;
            }
            if (given != -1 && their_given >= 0) {
                x.sim = their_given == given ? self->group : 0.0;
                x.rule = R_GIVEN;
            }
            if ((given >= 0 && father == -1 && their_father >= 0 && their_given < 0) ||
                (father >= 0 && given == -1 && their_given >= 0 && their_father < 0)) {
                x.sim = 0.0;
                x.rule = R_PATRONYMIC;
            }
            if (x.part == own) {
                x.sim = 1.0;
                x.rule = R_SAME;
            }
            if (x.sim >= self->min_part) e.items[kept++] = x;
        }
        sort_by_part(e.items, kept);
        /* by part number: the parts (8-byte items, aligned), their similarities, then
           their rules */
        out = malloc((size_t)kept * NEAR_ITEM + 1);
        if (out == NULL) {
            failed = 1;
        } else {
            for (Py_ssize_t k = 0; k < kept; k++) {
                memcpy(out + 8 * k, &e.items[k].part, 8);
                memcpy(out + 8 * (kept + k), &e.items[k].sim, 8);
                out[16 * kept + k] = (char)e.items[k].rule;
            }
        }
    }
    Py_END_ALLOW_THREADS
    if (failed) {
        PyErr_NoMemory();
    } else {
        result = PyBytes_FromStringAndSize(out, (Py_ssize_t)kept * NEAR_ITEM);
    }
    free(out);
    goto done;
out_of_range:
    PyErr_SetString(PyExc_IndexError, "a table part is out of range");
done:
    if (patterns != NULL)
        for (int side = 0; side < SIDES; side++) pattern_set(&patterns[side], NULL, 0);
    entries_free(&e);
    free(derived);
    free(own_spans);
    release(&h);
    PyBuffer_Release(&bare);
    return result;
}

/* ---- Blocking keys: which rows a query reading is compared with ---------------------
 *
 * The keys of namenorm.phonetic.code_probe_keys, looked up as store.KeyIndex.get does
 * (CRC-32 of the key's bytes, linear probing). A reading's skeleton, "~" + its skeleton
 * (a table code one consonant longer), and each one-consonant deletion with and
 * without "~" (one fewer, one changed); a key made by an edit whose skeleton has
 * SHORT_KEY letters or fewer also carries "|" and the class of the code's first letter
 * ("V" for a vowel), after the deletion when it took that letter. Tests compare the
 * spans with the Python reading of those functions.
 */

enum { SHORT_KEY = 2 };

static unsigned char initial_of(const RowsObject *self, unsigned char c) {
    if (c >= 128) return c;
    return self->dropped[c] || c == 'j' ? 'V' : self->classes[c];
}

typedef struct {
    int64_t *blocks;
    int count;
} probe_list;

/* Look up one key (`deleted`: with "~" before it; `mark`: the initial it carries when
   short, 0 for none) and note its block, once. */
static void probe(const RowsObject *self, unsigned char *buffer, int deleted,
                  const unsigned char *skeleton, size_t len, unsigned char mark,
                  probe_list *found) {
    size_t n = 0;
    if (deleted) buffer[n++] = '~';
    memcpy(buffer + n, skeleton, len);
    n += len;
    if (mark && len <= SHORT_KEY) {
        buffer[n++] = '|';
        buffer[n++] = mark;
    }
    int64_t block = key_table_find(&self->keys, buffer, n);
    if (block < 0 || self->block_starts[block] == self->block_starts[block + 1]) return;
    for (int k = 0; k < found->count; k++)
        if (found->blocks[k] == block) return;
    found->blocks[found->count++] = block;
}

/* The spans (reading, start, end) of a tuple of ASCII codes, as int64 triples in a
   malloc'd array (*n_out items); NULL with an exception set on bad codes or no memory. */
static int64_t *spans_of(const RowsObject *self, PyObject *codes, Py_ssize_t *n_out) {
    Py_ssize_t n_codes = PyTuple_GET_SIZE(codes), longest = 0;
    for (Py_ssize_t c = 0; c < n_codes; c++) {
        PyObject *item = PyTuple_GET_ITEM(codes, c);
        if (!PyBytes_Check(item) || PyBytes_GET_SIZE(item) == 0 ||
            !is_ascii((const unsigned char *)PyBytes_AS_STRING(item), PyBytes_GET_SIZE(item))) {
            PyErr_SetString(PyExc_ValueError, "codes must be non-empty ASCII bytes");
            return NULL;
        }
        if (PyBytes_GET_SIZE(item) > longest) longest = PyBytes_GET_SIZE(item);
    }
    size_t room = (size_t)longest + 4;
    unsigned char *skeleton = malloc(room), *deletion = malloc(room), *buffer = malloc(room);
    probe_list found = {malloc((2 * (size_t)longest + 2) * sizeof(int64_t)), 0};
    int64_t *out = malloc(((size_t)n_codes * (2 * (size_t)longest + 2) * 3 + 1) * sizeof *out);
    Py_ssize_t n = 0;
    if (!skeleton || !deletion || !buffer || !found.blocks || !out) {
        PyErr_NoMemory();
        free(out);
        out = NULL;
        goto done;
    }
    for (Py_ssize_t c = 0; c < n_codes; c++) {
        PyObject *item = PyTuple_GET_ITEM(codes, c);
        const unsigned char *code = (const unsigned char *)PyBytes_AS_STRING(item);
        size_t code_len = (size_t)PyBytes_GET_SIZE(item);
        size_t len = consonants_of(self->classes, self->dropped, code, code_len, 1, skeleton);
        unsigned char first = initial_of(self, code[0]);
        unsigned char after = code_len > 1 && first != 'V' ? initial_of(self, code[1]) : first;
        found.count = 0;
        probe(self, buffer, 0, skeleton, len, 0, &found);
        probe(self, buffer, 1, skeleton, len, first, &found);
        for (size_t i = 0; len >= 2 && i < len; i++) {
            memcpy(deletion, skeleton, i);
            memcpy(deletion + i, skeleton + i + 1, len - i - 1);
            unsigned char mark = i == 0 ? after : first;
            probe(self, buffer, 0, deletion, len - 1, mark, &found);
            probe(self, buffer, 1, deletion, len - 1, mark, &found);
        }
        for (int k = 0; k < found.count; k++) {
            out[n++] = c;
            out[n++] = (int64_t)self->block_starts[found.blocks[k]];
            out[n++] = (int64_t)self->block_starts[found.blocks[k] + 1];
        }
    }
    *n_out = n;
done:
    free(skeleton);
    free(deletion);
    free(buffer);
    free(found.blocks);
    return out;
}

static PyObject *rows_spans(RowsObject *self, PyObject *args) {
    PyObject *codes;
    if (!PyArg_ParseTuple(args, "O!:spans", &PyTuple_Type, &codes)) return NULL;
    Py_ssize_t n = 0;
    int64_t *out = spans_of(self, codes, &n);
    if (out == NULL) return NULL;
    PyObject *result = PyBytes_FromStringAndSize((const char *)out, n * (Py_ssize_t)sizeof *out);
    free(out);
    return result;
}

static PyMethodDef rows_methods[] = {
    {"spans", (PyCFunction)rows_spans, METH_VARARGS,
     "spans(codes) -> bytes\n\n"
     "Where the rows under the blocking keys of each reading (a tuple of ASCII codes)\n"
     "lie in the block rows: int64 triples (reading, start, end), as near() takes them."},
    {"near", (PyCFunction)(void (*)(void))rows_near, METH_FASTCALL,
     "near(codes, bare, fused, own, given, father, spans, extra, short) -> bytes\n\n"
     "The neighbours of one query part. codes: its spelling code per reading (ASCII\n"
     "bytes); bare: a byte per reading, 1 for a reading without the part's fused\n"
     "article; spans: int64 triples (reading, start, end) into the block rows, or None\n"
     "for those spans() gives (found here, without a second call); extra:\n"
     "parts that compare by their equivalences only; short: parts that are its short\n"
     "or compound form. Returns, for n neighbours in the order of their part numbers:\n"
     "the part numbers (int64), their similarities (float64), their rules (int8)."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject RowsType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "namenorm._kernel.Rows",
    .tp_basicsize = sizeof(RowsObject),
    .tp_dealloc = (destructor)rows_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Rows(codes, code_offsets, consonants, consonant_offsets, skeletons,\n"
              "     skeleton_offsets, owner, stripped, fused, given, patronymic, block_rows,\n"
              "     block_keys, block_key_offsets, block_key_values, block_slots,\n"
              "     block_starts, classes, dropped, min_part, vowel_cost, swap_cost,\n"
              "     same_code, group, short_form)\n\n"
              "A table's part rows, held and checked once, for finding the neighbours of\n"
              "query parts (see namenorm.neighbours).",
    .tp_methods = rows_methods,
    .tp_new = rows_new,
};

/* string_at(blob, offsets, index): string `index` of a store.Strings (its UTF-8
   bytes blob[offsets[index]:offsets[index + 1]], surrogates passed), decoded without
   the bytes copy and the Python frame of Strings.__getitem__. A lookup reads a few
   per answer (the entity's id and house spelling, the listed spelling). */
static PyObject *string_at(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    Py_ssize_t index;
    if (fast_count("string_at", nargs, 3) < 0 ||
        fast_type(args[0], PyBytes_Check(args[0]), "bytes") < 0 || fast_ssize(args[2], &index) < 0)
        return NULL;
    Py_buffer offsets;
    if (PyObject_GetBuffer(args[1], &offsets, PyBUF_SIMPLE) < 0) return NULL;
    Py_ssize_t count = offsets.len / 8 - 1; /* offsets are uint64, one more than strings */
    const uint64_t *at = offsets.buf;
    PyObject *result = NULL;
    if (index < 0) index += count;
    if (count < 0 || offsets.len % 8 != 0 || index < 0 || index >= count) {
        PyErr_SetString(PyExc_IndexError, "string index out of range");
    } else if (at[index] > at[index + 1] ||
               at[index + 1] > (uint64_t)PyBytes_GET_SIZE(args[0])) {
        PyErr_SetString(PyExc_ValueError, "offsets past the end of the blob");
    } else {
        result = PyUnicode_DecodeUTF8(PyBytes_AS_STRING(args[0]) + at[index],
                                      (Py_ssize_t)(at[index + 1] - at[index]), "surrogatepass");
    }
    PyBuffer_Release(&offsets);
    return result;
}

static PyMethodDef methods[] = {
    {"string_at", (PyCFunction)(void (*)(void))string_at, METH_FASTCALL,
     "string_at(blob, offsets, index) -> str: string index of packed strings (store.Strings)."},
    {"levenshtein", levenshtein, METH_VARARGS,
     "levenshtein(a: bytes, b: bytes) -> int: the edit distance of two byte strings."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "namenorm._kernel",
    "The compiled inner loops of fuzzy lookup and key look-ups (see _kernel.c).", -1,
    methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__kernel(void) {
    crc_init();
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    PyTypeObject *types[] = {&TableType, &PartType, &RowsType, &KeysType, &SpellerType};
    for (size_t k = 0; k < sizeof types / sizeof *types; k++)
        if (PyModule_AddType(m, types[k]) < 0) { /* readies it; named after tp_name */
            Py_DECREF(m);
            return NULL;
        }
    return m;
}
