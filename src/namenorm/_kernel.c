/* The compiled inner loop of fuzzy lookup: how alike many pairs of name-part codes are.
 *
 * A query part is compared with every table row its blocking keys find: hundreds of
 * pairs per part on a large table. Each pair needs three edit distances (between the
 * spelling codes, their consonants and their skeletons) and a little arithmetic; done
 * pair by pair from Python, that loop is most of a fuzzy lookup's time. Here it is one
 * call per batch, with the GIL released.
 *
 * Strings arrive packed, as in namenorm.store.Strings: one blob of bytes and an array
 * of uint64 offsets (string i is blob[offsets[i]:offsets[i + 1]]). Codes are ASCII, so
 * a byte is a letter. The distance is Levenshtein's (insertions, deletions and
 * substitutions cost 1), computed with Hyyro's bit-parallel algorithm when the query
 * side fits in 64 letters and with the textbook dynamic programme otherwise.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
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

/* Levenshtein distance between a prepared pattern and a text (-1: out of memory). */
static Py_ssize_t distance(const pattern *p, const unsigned char *text, Py_ssize_t n) {
    Py_ssize_t m = p->len;
    if (m == 0) return n;
    if (n == 0) return m;
    if (m > 64) return distance_dp(p->text, m, text, n);
    uint64_t positive = ~(uint64_t)0, negative = 0;
    uint64_t last = (uint64_t)1 << (m - 1);
    Py_ssize_t score = m;
    for (Py_ssize_t j = 0; j < n; j++) {
        uint64_t eq = p->eq[text[j]];
        uint64_t xv = eq | negative;
        uint64_t xh = (((eq & positive) + positive) ^ positive) | eq;
        uint64_t hp = negative | ~(xh | positive);
        uint64_t hn = positive & xh;
        if (hp & last) score++;
        else if (hn & last) score--;
        hp = (hp << 1) | 1;
        hn <<= 1;
        positive = hn | ~(xv | hp);
        negative = hp & xv;
    }
    return score;
}

static int get_packed(PyObject *blob, PyObject *offsets, Py_buffer *blob_view,
                      Py_buffer *offsets_view, packed *out) {
    if (PyObject_GetBuffer(blob, blob_view, PyBUF_SIMPLE) < 0) return -1;
    if (PyObject_GetBuffer(offsets, offsets_view, PyBUF_FORMAT) < 0) {
        PyBuffer_Release(blob_view);
        return -1;
    }
    if (offsets_view->itemsize != 8 || offsets_view->len < 8) {
        PyErr_SetString(PyExc_ValueError, "offsets must be a non-empty array of 64-bit integers");
        PyBuffer_Release(offsets_view);
        PyBuffer_Release(blob_view);
        return -1;
    }
    out->blob = blob_view->buf;
    out->offsets = offsets_view->buf;
    out->count = offsets_view->len / 8 - 1;
    out->blob_len = blob_view->len;
    return 0;
}

#define SIDES 3 /* codes, consonants, skeletons */

static PyObject *code_sims(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *objects[4 * SIDES + 3];
    double vowel_cost, swap_cost, same_code;
    if (!PyArg_ParseTuple(args, "OOOOOOOOOOOOOOOddd:code_sims", &objects[0], &objects[1],
                          &objects[2], &objects[3], &objects[4], &objects[5], &objects[6],
                          &objects[7], &objects[8], &objects[9], &objects[10], &objects[11],
                          &objects[12], &objects[13], &objects[14], &vowel_cost, &swap_cost,
                          &same_code))
        return NULL;
    Py_buffer views[4 * SIDES + 3];
    int held = 0;
    packed query[SIDES], table[SIDES];
    PyObject *result = NULL;
    for (int s = 0; s < SIDES; s++) {
        if (get_packed(objects[2 * s], objects[2 * s + 1], &views[held], &views[held + 1],
                       &query[s]) < 0)
            goto done;
        held += 2;
    }
    for (int s = 0; s < SIDES; s++) {
        if (get_packed(objects[2 * SIDES + 2 * s], objects[2 * SIDES + 2 * s + 1], &views[held],
                       &views[held + 1], &table[s]) < 0)
            goto done;
        held += 2;
    }
    Py_buffer *at_query = &views[held], *at_table = &views[held + 1], *out = &views[held + 2];
    if (PyObject_GetBuffer(objects[4 * SIDES], at_query, PyBUF_FORMAT) < 0) goto done;
    held++;
    if (PyObject_GetBuffer(objects[4 * SIDES + 1], at_table, PyBUF_FORMAT) < 0) goto done;
    held++;
    if (PyObject_GetBuffer(objects[4 * SIDES + 2], out, PyBUF_WRITABLE | PyBUF_FORMAT) < 0)
        goto done;
    held++;
    Py_ssize_t n = at_query->len / 8;
    if (at_query->itemsize != 8 || at_table->itemsize != 8 || at_table->len != at_query->len ||
        out->itemsize != 8 || out->len != at_query->len || out->format == NULL ||
        strcmp(out->format, "d") != 0) {
        PyErr_SetString(PyExc_ValueError,
                        "pairs must be two int64 arrays and out a float64 array, all one length");
        goto done;
    }
    const int64_t *qs = at_query->buf, *ts = at_table->buf;
    for (Py_ssize_t k = 0; k < n; k++) {
        if (qs[k] < 0 || qs[k] >= query[0].count || ts[k] < 0 || ts[k] >= table[0].count) {
            PyErr_Format(PyExc_IndexError, "pair %zd is out of range", k);
            goto done;
        }
    }
    for (int s = 0; s < SIDES; s++) {
        if (query[s].count != query[0].count || table[s].count != table[0].count) {
            PyErr_SetString(PyExc_ValueError, "codes, consonants and skeletons differ in number");
            goto done;
        }
    }
    double *sims = out->buf;
    int failed = 0;
    pattern *patterns = malloc(SIDES * sizeof *patterns);
    if (patterns == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    for (int s = 0; s < SIDES; s++) {
        memset(patterns[s].eq, 0, sizeof patterns[s].eq);
        patterns[s].len = 0;
        patterns[s].text = NULL;
    }
    int64_t current = -1;
    for (Py_ssize_t k = 0; k < n && !failed; k++) {
        if (qs[k] != current) {
            current = qs[k];
            for (int s = 0; s < SIDES; s++) {
                uint64_t a = query[s].offsets[current], b = query[s].offsets[current + 1];
                pattern_set(&patterns[s], query[s].blob + a, (Py_ssize_t)(b - a));
            }
        }
        Py_ssize_t d[SIDES];
        for (int s = 0; s < SIDES; s++) {
            uint64_t a = table[s].offsets[ts[k]], b = table[s].offsets[ts[k] + 1];
            d[s] = distance(&patterns[s], table[s].blob + a, (Py_ssize_t)(b - a));
            if (d[s] < 0) failed = 1;
        }
        /* d[0] codes, d[1] consonants, d[2] skeletons: each level's extra edits are
           the cheaper kinds (vowels, then swaps within a skeleton class). */
        double vowels = d[0] > d[1] ? (double)(d[0] - d[1]) : 0.0;
        double swaps = d[1] > d[2] ? (double)(d[1] - d[2]) : 0.0;
        double cost = vowel_cost * vowels + swap_cost * swaps + (double)d[2];
        Py_ssize_t longest = patterns[0].len;
        uint64_t a = table[0].offsets[ts[k]], b = table[0].offsets[ts[k] + 1];
        if ((Py_ssize_t)(b - a) > longest) longest = (Py_ssize_t)(b - a);
        double sim = same_code - cost / (0.5 * (double)longest + 1.0);
        sims[k] = sim > 0.0 ? sim : 0.0;
    }
    Py_END_ALLOW_THREADS
    free(patterns);
    if (failed) {
        PyErr_NoMemory();
        goto done;
    }
    result = Py_None;
    Py_INCREF(result);
done:
    for (int i = 0; i < held; i++) PyBuffer_Release(&views[i]);
    return result;
}

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

static PyMethodDef methods[] = {
    {"code_sims", code_sims, METH_VARARGS,
     "code_sims(query codes, consonants, skeletons as (blob, offsets) x3, table the same,\n"
     "query_at, table_at, out, vowel_cost, swap_cost, same_code)\n\n"
     "Fill out[k] with how alike query string query_at[k] and table row table_at[k] are."},
    {"levenshtein", levenshtein, METH_VARARGS,
     "levenshtein(a: bytes, b: bytes) -> int: the edit distance of two byte strings."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "namenorm._kernel",
    "The compiled inner loop of fuzzy lookup (see namenorm.neighbours).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__kernel(void) { return PyModule_Create(&module); }
