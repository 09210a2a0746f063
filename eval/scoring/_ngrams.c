/* Exact n-gram clipped-match counting, token ids and the 13a regexp steps, for eval.scoring.
 *
 * Why C: sacrebleu builds a Counter of n-gram tuples per segment; numpy needs sorts. Here each
 * reference segment gets an open-addressing table holding the trie of its n-grams (an n-gram is
 * its (n-1)-gram prefix node + one id, compared exactly, so hash collisions never change a count)
 * and every hypothesis of that segment walks it, granting min(hyp count, ref count) per n-gram.
 * Buffers come through the buffer protocol (no numpy headers); the loops release the GIL.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A node of the reference's n-gram trie: the n-gram `parent` + `id`. The slot index is the node id,
 * stable because the table never grows (it is sized for every n-gram of the reference). 16 bytes,
 * four to a cache line: ids are checked to fit in int32. */
typedef struct {
    int32_t id;     /* last token of the n-gram */
    int32_t parent; /* slot of the (n-1)-gram prefix, -1 for unigrams, -2 marks an empty slot */
    int32_t count;  /* occurrences in the reference */
    int32_t used;   /* matches granted to the current hypothesis (reset through `touched`) */
} Node;

static inline uint64_t slot_of(int32_t parent, int32_t id, uint64_t mask) {
    uint64_t h = ((uint64_t)(uint32_t)id * 0x9E3779B97F4A7C15ULL) ^ ((uint64_t)(uint32_t)parent * 0xBF58476D1CE4E5B9ULL);
    return (h ^ (h >> 29)) & mask;
}

/* The slot of (parent, id): its node, or the empty slot where it would go. */
static inline int64_t find(const Node *t, uint64_t mask, int32_t parent, int32_t id) {
    uint64_t i = slot_of(parent, id, mask);
    while (t[i].parent != -2 && !(t[i].parent == parent && t[i].id == id)) i = (i + 1) & mask;
    return (int64_t)i;
}

static PyObject *clipped_matches(PyObject *self, PyObject *args) {
    Py_buffer ids_b, off_b, out_b;
    Py_ssize_t n_refs;
    int max_order;
    if (!PyArg_ParseTuple(args, "y*y*niw*", &ids_b, &off_b, &n_refs, &max_order, &out_b)) return NULL;
    PyObject *result = NULL;
    Node *table = NULL;
    int32_t *touched = NULL, *cur = NULL;
    const int64_t *ids = (const int64_t *)ids_b.buf;
    const int64_t *off = (const int64_t *)off_b.buf;
    int64_t *out = (int64_t *)out_b.buf;
    Py_ssize_t n_docs = off_b.len / 8 - 1;
    Py_ssize_t n_hyps = n_docs - n_refs;
    if (ids_b.len % 8 || off_b.len % 8 || out_b.len % 8 || n_docs < 0 || n_refs <= 0 || max_order < 1 ||
        n_hyps < 0 || n_hyps % n_refs || out_b.len / 8 != n_hyps * (Py_ssize_t)max_order || off[0] != 0 ||
        off[n_docs] != ids_b.len / 8) {
        PyErr_SetString(PyExc_ValueError, "clipped_matches: inconsistent int64 buffers");
        goto done;
    }
    int64_t longest = 0;
    for (Py_ssize_t d = 0; d < n_docs; d++) {
        if (off[d + 1] < off[d]) {
            PyErr_SetString(PyExc_ValueError, "clipped_matches: offsets must not decrease");
            goto done;
        }
        if (off[d + 1] - off[d] > longest) longest = off[d + 1] - off[d];
    }
    if (longest * max_order > INT32_MAX / 4) {
        PyErr_SetString(PyExc_ValueError, "clipped_matches: segment too long");
        goto done;
    }
    for (Py_ssize_t k = 0; k < ids_b.len / 8; k++)
        if (ids[k] < 0 || ids[k] > INT32_MAX) {
            PyErr_SetString(PyExc_ValueError, "clipped_matches: ids must be in [0, 2**31)");
            goto done;
        }
    uint64_t cap = 16;
    while (cap < (uint64_t)(2 * longest * max_order + 2)) cap <<= 1;
    table = (Node *)malloc(cap * sizeof(Node));
    touched = (int32_t *)malloc(((size_t)longest * max_order + 1) * sizeof(int32_t));
    cur = (int32_t *)malloc(((size_t)longest + 1) * sizeof(int32_t));
    if (!table || !touched || !cur) {
        PyErr_NoMemory();
        goto done;
    }
    memset(out, 0, (size_t)out_b.len);
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t r = 0; r < n_refs; r++) {
        int64_t rs = off[r], rl = off[r + 1] - rs;
        uint64_t size = 16;
        while (size < (uint64_t)(2 * rl * max_order + 2)) size <<= 1;
        uint64_t mask = size - 1;
        for (uint64_t k = 0; k < size; k++) table[k].parent = -2;
        for (int64_t i = 0; i < rl; i++) {
            int32_t node = -1;
            for (int32_t n = 1; n <= max_order && i + n <= rl; n++) {
                int32_t id = (int32_t)ids[rs + i + n - 1];
                int64_t k = find(table, mask, node, id);
                if (table[k].parent == -2) {
                    table[k].id = id;
                    table[k].parent = node;
                    table[k].count = 0;
                    table[k].used = 0;
                }
                table[k].count++;
                node = (int32_t)k;
            }
        }
        for (Py_ssize_t j = r; j < n_hyps; j += n_refs) {
            int64_t hs = off[n_refs + j], hl = off[n_refs + j + 1] - hs;
            int64_t *row = out + j * max_order;
            int64_t n_touched = 0;
            /* order by order over all positions: the lookups of one order are independent, so
             * their cache misses overlap (a position's n-grams form a chain of dependent loads) */
            for (int64_t i = 0; i < hl; i++) cur[i] = -1;
            for (int32_t n = 1; n <= max_order && n <= hl; n++) {
                int64_t hits = 0;
                for (int64_t i = 0; i + n <= hl; i++) {
                    int32_t node = cur[i];
                    if (node == -3) continue; /* (n-1)-gram absent from the reference: so is this one */
                    int64_t k = find(table, mask, node, (int32_t)ids[hs + i + n - 1]);
                    Node *e = &table[k];
                    if (e->parent == -2) {
                        cur[i] = -3;
                        continue;
                    }
                    hits++;
                    if (e->used < e->count) {
                        if (e->used++ == 0) touched[n_touched++] = (int32_t)k;
                        row[n - 1]++;
                    }
                    cur[i] = (int32_t)k;
                }
                if (!hits) break;
            }
            for (int64_t t = 0; t < n_touched; t++) table[touched[t]].used = 0;
        }
    }
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    free(table);
    free(touched);
    free(cur);
    PyBuffer_Release(&ids_b);
    PyBuffer_Release(&off_b);
    PyBuffer_Release(&out_b);
    return result;
}

/* TokenizerRegexp's four re.sub steps (13a), scanned exactly as sre scans: a 2-character match
 * resumes after its second character, a failed position moves on by one. */
static inline int in_class(Py_UCS4 c) { /* [\{-\~\[-\` -\&\(-\+\:-\@\/] */
    return (c >= '{' && c <= '~') || (c >= '[' && c <= '`') || (c >= ' ' && c <= '&') || (c >= '(' && c <= '+') ||
           (c >= ':' && c <= '@') || c == '/';
}
static inline int is_digit(Py_UCS4 c) { return c >= '0' && c <= '9'; }
static inline int dot_comma(Py_UCS4 c) { return c == '.' || c == ','; }

/* One of steps 2-4 from src[0:len] into a new buffer (*out_len characters); NULL when out of memory.
 * The first pass only counts matches, so the buffer is exactly as long as needed. */
static inline int step_match(int step, Py_UCS4 x, Py_UCS4 y) {
    if (step == 2) return !is_digit(x) && dot_comma(y); /* ([^0-9])([\.,]) -> '\1 \2 ' */
    if (step == 3) return dot_comma(x) && !is_digit(y); /* ([\.,])([^0-9]) -> ' \1 \2' */
    return is_digit(x) && y == '-';                     /* ([0-9])(-)      -> '\1 \2 ' */
}

static Py_UCS4 *apply_step(int step, const Py_UCS4 *src, Py_ssize_t len, Py_ssize_t *out_len) {
    Py_ssize_t matches = 0;
    for (Py_ssize_t i = 0; i + 1 < len;) {
        if (step_match(step, src[i], src[i + 1])) {
            matches++;
            i += 2;
        } else
            i++;
    }
    Py_UCS4 *dst = (Py_UCS4 *)PyMem_RawMalloc((size_t)(len + 2 * matches + 1) * sizeof(Py_UCS4));
    if (!dst) return NULL;
    Py_ssize_t k = 0;
    for (Py_ssize_t i = 0; i < len;) {
        if (i + 1 < len && step_match(step, src[i], src[i + 1])) {
            Py_UCS4 x = src[i], y = src[i + 1];
            if (step == 3) {
                dst[k++] = ' '; dst[k++] = x; dst[k++] = ' '; dst[k++] = y;
            } else {
                dst[k++] = x; dst[k++] = ' '; dst[k++] = y; dst[k++] = ' ';
            }
            i += 2;
        } else
            dst[k++] = src[i++];
    }
    *out_len = k;
    return dst;
}

static PyObject *regexp13a(PyObject *self, PyObject *arg) {
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "regexp13a: expected str");
        return NULL;
    }
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(arg) < 0) return NULL; /* legacy (wstr) strings, before 3.12 */
#endif
    Py_ssize_t n = PyUnicode_GET_LENGTH(arg), m = 0;
    int kind = PyUnicode_KIND(arg);
    const void *data = PyUnicode_DATA(arg);
    Py_UCS4 *cur = NULL;
    /* the string is immutable and referenced by the caller: scan it without the GIL, so that
     * another thread (the other metric) runs meanwhile; raw allocators need no GIL */
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) m += in_class(PyUnicode_READ(kind, data, i)) ? 3 : 1;
    cur = (Py_UCS4 *)PyMem_RawMalloc((size_t)(m + 1) * sizeof(Py_UCS4));
    if (cur) {
        m = 0;
        for (Py_ssize_t i = 0; i < n; i++) { /* step 1: [\{-\~\[-\` -\&\(-\+\:-\@\/] -> ' \1 ' */
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            if (in_class(c)) {
                cur[m++] = ' '; cur[m++] = c; cur[m++] = ' ';
            } else
                cur[m++] = c;
        }
        for (int step = 2; step <= 4 && cur; step++) {
            Py_ssize_t next_len = 0;
            Py_UCS4 *next = apply_step(step, cur, m, &next_len);
            PyMem_RawFree(cur);
            cur = next;
            m = next_len;
        }
    }
    Py_END_ALLOW_THREADS
    if (!cur) return PyErr_NoMemory();
    PyObject *res = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, cur, m);
    PyMem_RawFree(cur);
    return res;
}

/* Ids of the whitespace-separated tokens (words=1) or of the non-whitespace characters (words=0) of
 * `text`, where the token (or character) `sep` ends a document. Whitespace is Py_UNICODE_ISSPACE,
 * the definition str.split() uses. Word ids are dense in order of first appearance, equal ids
 * meaning equal strings (compared in full); character ids are code points. */
typedef struct {
    Py_ssize_t start, len;
    uint64_t hash;
    int64_t id; /* -1 = empty */
} Word;

static int grow_words(Word **t, uint64_t *cap) {
    uint64_t ncap = *cap * 2, mask = ncap - 1;
    Word *n = (Word *)PyMem_RawMalloc(ncap * sizeof(Word));
    if (!n) return -1;
    for (uint64_t k = 0; k < ncap; k++) n[k].id = -1;
    for (uint64_t k = 0; k < *cap; k++) {
        if ((*t)[k].id < 0) continue;
        uint64_t i = (*t)[k].hash & mask;
        while (n[i].id >= 0) i = (i + 1) & mask;
        n[i] = (*t)[k];
    }
    PyMem_RawFree(*t);
    *t = n;
    *cap = ncap;
    return 0;
}

static PyObject *split_ids(PyObject *self, PyObject *args) {
    PyObject *text;
    int sep_i, words;
    if (!PyArg_ParseTuple(args, "Uip", &text, &sep_i, &words)) return NULL;
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(text) < 0) return NULL; /* legacy (wstr) strings, before 3.12 */
#endif
    Py_UCS4 sep = (Py_UCS4)sep_i;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const char *data = (const char *)PyUnicode_DATA(text);
    int64_t *ids = (int64_t *)PyMem_RawMalloc((size_t)(n + 1) * sizeof(int64_t));
    int64_t *lens = (int64_t *)PyMem_RawMalloc((size_t)(n + 2) * sizeof(int64_t));
    Word *table = NULL;
    uint64_t cap = 1024, used = 0;
    Py_ssize_t n_ids = 0, n_docs = 0;
    int64_t vocab = 0, doc_len = 0;
    PyObject *result = NULL;
    if (!ids || !lens) goto nomem;
    if (words) {
        table = (Word *)PyMem_RawMalloc(cap * sizeof(Word));
        if (!table) goto nomem;
        for (uint64_t k = 0; k < cap; k++) table[k].id = -1;
    }
    int failed = 0;
    Py_BEGIN_ALLOW_THREADS /* as in regexp13a: an immutable str, raw allocators only */
    for (Py_ssize_t i = 0; i < n && !failed;) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (Py_UNICODE_ISSPACE(c)) {
            i++;
            continue;
        }
        if (!words) {
            if (c == sep) {
                lens[n_docs++] = doc_len;
                doc_len = 0;
            } else {
                ids[n_ids++] = (int64_t)c;
                doc_len++;
                if ((int64_t)c >= vocab) vocab = (int64_t)c + 1;
            }
            i++;
            continue;
        }
        Py_ssize_t start = i;
        uint64_t h = 0xcbf29ce484222325ULL;
        while (i < n) {
            Py_UCS4 d = PyUnicode_READ(kind, data, i);
            if (Py_UNICODE_ISSPACE(d)) break;
            h = (h ^ d) * 0x100000001b3ULL;
            i++;
        }
        Py_ssize_t len = i - start;
        if (len == 1 && c == sep) {
            lens[n_docs++] = doc_len;
            doc_len = 0;
            continue;
        }
        h ^= h >> 33;
        uint64_t mask = cap - 1, k = h & mask;
        while (table[k].id >= 0 &&
               !(table[k].hash == h && table[k].len == len &&
                 memcmp(data + table[k].start * kind, data + start * kind, (size_t)(len * kind)) == 0))
            k = (k + 1) & mask;
        if (table[k].id < 0) {
            table[k].start = start;
            table[k].len = len;
            table[k].hash = h;
            table[k].id = vocab++;
            if (++used * 2 > cap && grow_words(&table, &cap) < 0) failed = 1;
            ids[n_ids++] = vocab - 1;
        } else
            ids[n_ids++] = table[k].id;
        doc_len++;
    }
    lens[n_docs++] = doc_len;
    Py_END_ALLOW_THREADS
    if (failed) goto nomem;
    result = Py_BuildValue("y#y#L", (const char *)ids, (Py_ssize_t)(n_ids * 8), (const char *)lens,
                           (Py_ssize_t)(n_docs * 8), (long long)vocab);
    goto done;
nomem:
    PyErr_NoMemory();
done:
    PyMem_RawFree(ids);
    PyMem_RawFree(lens);
    PyMem_RawFree(table);
    return result;
}

static PyMethodDef methods[] = {
    {"clipped_matches", clipped_matches, METH_VARARGS,
     "clipped_matches(ids, offsets, n_refs, max_order, out): clipped n-gram matches per hypothesis and order."},
    {"split_ids", split_ids, METH_VARARGS,
     "split_ids(text, sep, words): (int64 ids bytes, int64 document lengths bytes, vocabulary size)."},
    {"regexp13a", regexp13a, METH_O, "regexp13a(text): sacrebleu TokenizerRegexp's substitutions, no whitespace squeeze."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_ngrams", NULL, -1, methods};

PyMODINIT_FUNC PyInit__ngrams(void) { return PyModule_Create(&module); }
