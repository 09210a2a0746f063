/* The row loop of eval.align.dp.best_path, the bead similarities and the kNN sums of
 * eval.align.sentences, in C.
 *
 * Why C: the DP rows are a few numpy calls each (about 8 calls of 10-30 us per row of a 2,000-row
 * document), the kNN top values five full argmax passes per block, and the bead similarities small
 * BLAS matmuls (whose thread hand-offs cost milliseconds each on a busy 2-core machine). dp_rows and
 * knn_sums do the numpy code's arithmetic in the same order, so their results are the same to the
 * bit; gather_dots sums in another order than BLAS (within 1e-6). tests/test_align_c.py compares
 * both paths. Buffers come through the buffer protocol (no numpy headers); the loops release the GIL.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

/* Vectorised loops built for AVX-512, AVX2 and baseline x86-64, the best picked at load time. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define MULTIVERSIONED __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MULTIVERSIONED
#endif

/* dp_rows(cost, back, flat, bead, rows, lo, hi, width, n_types, skip)
 *
 * cost: float64[(n + 1) * width + 1], the DP cells row-major plus a -inf sentinel (read and written);
 * back: int16[(n + 1) * width] (written); flat: int64[T, R, W], the cell index each bead type comes
 * from; bead: float64[T, R, W], its score; rows: int64[R], consecutive row ids; lo, hi: int64[n + 1].
 * For each row: best over types of cost[flat] + bead (first type on ties, as argmax), then the
 * within-row 0-1 moves D[w] = max_k<=w best[k] - skip * k + skip * w (code n_types). */
static PyObject *dp_rows(PyObject *Py_UNUSED(self), PyObject *args) {
    Py_buffer cost_b, back_b, flat_b, bead_b, rows_b, lo_b, hi_b;
    Py_ssize_t width, n_types;
    double skip;
    if (!PyArg_ParseTuple(args, "w*w*y*y*y*y*y*nnd", &cost_b, &back_b, &flat_b, &bead_b, &rows_b, &lo_b, &hi_b,
                          &width, &n_types, &skip))
        return NULL;
    PyObject *result = NULL;
    double *cost = (double *)cost_b.buf;
    int16_t *back = (int16_t *)back_b.buf;
    const int64_t *flat = (const int64_t *)flat_b.buf;
    const double *bead = (const double *)bead_b.buf;
    const int64_t *rows = (const int64_t *)rows_b.buf;
    const int64_t *lo = (const int64_t *)lo_b.buf;
    const int64_t *hi = (const int64_t *)hi_b.buf;
    Py_ssize_t n_cells = cost_b.len / 8;
    Py_ssize_t n_rows = rows_b.len / 8;
    Py_ssize_t n_band = lo_b.len / 8;
    Py_ssize_t plane = n_rows * width;
    if (cost_b.len % 8 || back_b.len % 2 || flat_b.len % 8 || bead_b.len % 8 || rows_b.len % 8 || lo_b.len % 8 ||
        hi_b.len != lo_b.len || width <= 0 || n_types <= 0 || n_types >= INT16_MAX ||
        n_cells != n_band * width + 1 || back_b.len / 2 != n_band * width ||
        flat_b.len / 8 != n_types * plane || bead_b.len / 8 != n_types * plane) {
        PyErr_SetString(PyExc_ValueError, "dp_rows: inconsistent buffers");
        goto done;
    }
    for (Py_ssize_t k = 0; k < n_rows; k++) {
        if (rows[k] < 1 || rows[k] >= n_band || (k && rows[k] != rows[k - 1] + 1)) {
            PyErr_SetString(PyExc_ValueError, "dp_rows: rows must be consecutive ids in 1..n");
            goto done;
        }
    }
    for (Py_ssize_t x = 0; x < n_types * plane; x++) {
        if (flat[x] < 0 || flat[x] >= n_cells) {
            PyErr_SetString(PyExc_ValueError, "dp_rows: a cell index is outside the cost array");
            goto done;
        }
    }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t k = 0; k < n_rows; k++) {
        int64_t i = rows[k];
        int64_t valid_to = hi[i] - lo[i];
        double *row = cost + i * width;
        int16_t *code = back + i * width;
        double running = -INFINITY;
        for (Py_ssize_t w = 0; w < width; w++) {
            double best = -INFINITY;
            int arg = -1;
            if (w <= valid_to) {
                const Py_ssize_t at = k * width + w;
                for (Py_ssize_t t = 0; t < n_types; t++) {
                    double v = cost[flat[t * plane + at]] + bead[t * plane + at];
                    if (v > best) {
                        best = v;
                        arg = (int)t;
                    }
                }
            }
            double step = skip * (double)w;
            double shifted = best - step;
            if (shifted > running) running = shifted; /* np.maximum.accumulate */
            double value = running + step;
            int c = value > best + 1e-9 ? (int)n_types : arg;
            if (w > valid_to) value = -INFINITY;
            row[w] = value;
            code[w] = (int16_t)(isfinite(value) ? c : -1);
        }
    }
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    PyBuffer_Release(&cost_b);
    PyBuffer_Release(&back_b);
    PyBuffer_Release(&flat_b);
    PyBuffer_Release(&bead_b);
    PyBuffer_Release(&rows_b);
    PyBuffer_Release(&lo_b);
    PyBuffer_Release(&hi_b);
    return result;
}

/* Keep the take largest of the values seen in top (descending, have of them filled). */
static inline void keep_top(double *top, Py_ssize_t *have, Py_ssize_t take, double v) {
    if (*have == take && !(v > top[take - 1])) return;
    Py_ssize_t at = *have < take ? (*have)++ : take - 1;
    while (at > 0 && v > top[at - 1]) {
        top[at] = top[at - 1];
        at--;
    }
    top[at] = v;
}

/* The kNN sum of a row: the sum in float64 of its take - 1 largest values after the largest, added
 * from the 2nd largest down (the order of knn_mean's argmax passes, so the same sum to the bit; ties
 * keep every copy, as repeated argmax passes do). The row is scanned 16 values at a time: a chunk whose
 * maximum does not beat the current take-th largest is skipped (after the first few chunks almost all
 * are), the same result as keep_top on every value. The maxima vectorise; float and double rows. */
#define DEFINE_KNN_SUM(NAME, T)                                                                        \
    MULTIVERSIONED                                                                                     \
    static double NAME(const T *row, Py_ssize_t n, Py_ssize_t take) {                                  \
        double top[64];                                                                                \
        Py_ssize_t have = 0, c = 0;                                                                    \
        for (; c + 16 <= n; c += 16) {                                                                 \
            T mx = row[c];                                                                             \
            for (int l = 1; l < 16; l++) mx = row[c + l] > mx ? row[c + l] : mx;                       \
            if (have == take && !((double)mx > top[take - 1])) continue;                               \
            for (int l = 0; l < 16; l++) keep_top(top, &have, take, (double)row[c + l]);               \
        }                                                                                              \
        for (; c < n; c++) keep_top(top, &have, take, (double)row[c]);                                 \
        double total = 0.0;                                                                            \
        for (Py_ssize_t k = 1; k < take; k++) total += top[k];                                         \
        return total;                                                                                  \
    }
DEFINE_KNN_SUM(knn_sum_f, float)
DEFINE_KNN_SUM(knn_sum_d, double)

/* knn_sums(block, take, out): knn_sum_f of each row of the float32 matrix block (R x C, C >= take). */
static PyObject *knn_sums(PyObject *Py_UNUSED(self), PyObject *args) {
    Py_buffer block_b, out_b;
    Py_ssize_t n_cols, take;
    if (!PyArg_ParseTuple(args, "y*nnw*", &block_b, &n_cols, &take, &out_b)) return NULL;
    PyObject *result = NULL;
    const float *block = (const float *)block_b.buf;
    double *out = (double *)out_b.buf;
    Py_ssize_t n_rows = out_b.len / 8;
    if (block_b.len % 4 || out_b.len % 8 || n_cols <= 0 || take < 1 || take > 64 || take > n_cols ||
        block_b.len / 4 != n_rows * n_cols) {
        PyErr_SetString(PyExc_ValueError, "knn_sums: inconsistent buffers (float32 block, float64 out, 1 <= take <= 64)");
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t r = 0; r < n_rows; r++) out[r] = knn_sum_f(block + r * n_cols, n_cols, take);
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    PyBuffer_Release(&block_b);
    PyBuffer_Release(&out_b);
    return result;
}

/* Dot product of two float32 vectors in 16 independent lanes (vectorised without -ffast-math). */
MULTIVERSIONED
static double dot16(const float *x, const float *y, Py_ssize_t d) {
    float acc[16] = {0};
    Py_ssize_t i = 0;
    for (; i + 16 <= d; i += 16)
        for (int l = 0; l < 16; l++) acc[l] += x[i + l] * y[i + l];
    double total = 0.0;
    for (; i < d; i++) total += (double)x[i] * (double)y[i];
    for (int l = 0; l < 16; l++) total += (double)acc[l];
    return total;
}

/* gather_dots(left, right, dim, rows, cols, out): out[r, w] = left[rows[r]] . right[cols[r, w]] for
 * float32 row-major matrices with dim columns; only the cells a DP chunk needs (a matmul of the rows
 * against the columns' span computes about six times more, in small BLAS calls that dominated). */
static PyObject *gather_dots(PyObject *Py_UNUSED(self), PyObject *args) {
    Py_buffer left_b, right_b, rows_b, cols_b, out_b;
    Py_ssize_t dim;
    if (!PyArg_ParseTuple(args, "y*y*ny*y*w*", &left_b, &right_b, &dim, &rows_b, &cols_b, &out_b)) return NULL;
    PyObject *result = NULL;
    const float *left = (const float *)left_b.buf;
    const float *right = (const float *)right_b.buf;
    const int64_t *rows = (const int64_t *)rows_b.buf;
    const int64_t *cols = (const int64_t *)cols_b.buf;
    double *out = (double *)out_b.buf;
    Py_ssize_t n_rows = rows_b.len / 8, n_cells = cols_b.len / 8;
    Py_ssize_t n_left = dim > 0 ? left_b.len / 4 / dim : 0, n_right = dim > 0 ? right_b.len / 4 / dim : 0;
    if (dim <= 0 || left_b.len % (4 * dim) || right_b.len % (4 * dim) || rows_b.len % 8 || cols_b.len % 8 ||
        n_rows == 0 || n_cells % n_rows || out_b.len / 8 != n_cells || out_b.len % 8) {
        PyErr_SetString(PyExc_ValueError, "gather_dots: inconsistent buffers (float32 matrices, int64 ids, float64 out)");
        goto done;
    }
    Py_ssize_t width = n_cells / n_rows;
    for (Py_ssize_t r = 0; r < n_rows; r++)
        if (rows[r] < 0 || rows[r] >= n_left) {
            PyErr_SetString(PyExc_ValueError, "gather_dots: a row id is outside the left matrix");
            goto done;
        }
    for (Py_ssize_t c = 0; c < n_cells; c++)
        if (cols[c] < 0 || cols[c] >= n_right) {
            PyErr_SetString(PyExc_ValueError, "gather_dots: a column id is outside the right matrix");
            goto done;
        }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t r = 0; r < n_rows; r++) {
        const float *x = left + rows[r] * dim;
        for (Py_ssize_t w = 0; w < width; w++) out[r * width + w] = dot16(x, right + cols[r * width + w] * dim, dim);
    }
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    PyBuffer_Release(&left_b);
    PyBuffer_Release(&right_b);
    PyBuffer_Release(&rows_b);
    PyBuffer_Release(&cols_b);
    PyBuffer_Release(&out_b);
    return result;
}

/* acc[c] += weight x cos[c]: a window grown by one sentence (double sums, vectorised). */
MULTIVERSIONED
static void add_row(double *acc, const float *cos, double weight, Py_ssize_t n_cols) {
    for (Py_ssize_t c = 0; c < n_cols; c++) acc[c] += weight * (double)cos[c];
}

/* row[c] = (acc[c] * inv_norm - offset[c]) * inv_centred: the window's cosines with every column. */
MULTIVERSIONED
static void centred_row(double *row, const double *acc, Py_ssize_t n_cols, double inv_norm, const double *off,
                        double inv_centred) {
    for (Py_ssize_t c = 0; c < n_cols; c++) row[c] = (acc[c] * inv_norm - off[c]) * inv_centred;
}

/* mean_window_knn_sums(cos, weights, n_cols, sizes, inv_norm, offset, inv_centred, take, out)
 *
 * kNN sums of mean windows of several sizes without a matmul per size. cos: float32[R x C], the
 * cosines of R consecutive sentences with the C sentences of the other side; weights: float64[R], their
 * lengths; sizes: int64[S], increasing. The window of size sizes[k] starting at w has the cosine
 * ((sum of weights x cos rows) * inv_norm[k, w] - offset[c]) * inv_centred[k, w] with column c (its
 * length-weighted sum, normalised, minus the side's mean, normalised). out[k, w] (float64[S x W]):
 * knn_sum_d of those cosines, as knn_sums; W window starts, those that do not
 * fit in R rows left untouched. Each start's windows grow one sentence at a time, so all sizes cost
 * one pass over the largest one's rows. */
static PyObject *mean_window_knn_sums(PyObject *Py_UNUSED(self), PyObject *args) {
    Py_buffer cos_b, wt_b, sizes_b, inv_b, off_b, cen_b, out_b;
    Py_ssize_t n_cols, take;
    if (!PyArg_ParseTuple(args, "y*y*ny*y*y*y*nw*", &cos_b, &wt_b, &n_cols, &sizes_b, &inv_b, &off_b, &cen_b, &take,
                          &out_b))
        return NULL;
    PyObject *result = NULL;
    double *acc = NULL;
    const float *cos = (const float *)cos_b.buf;
    const double *wt = (const double *)wt_b.buf;
    const int64_t *sizes = (const int64_t *)sizes_b.buf;
    const double *inv = (const double *)inv_b.buf;
    const double *off = (const double *)off_b.buf;
    const double *cen = (const double *)cen_b.buf;
    double *out = (double *)out_b.buf;
    Py_ssize_t n_rows = wt_b.len / 8, n_sizes = sizes_b.len / 8;
    Py_ssize_t n_win = n_sizes > 0 ? out_b.len / 8 / n_sizes : 0;
    int ok = !(cos_b.len % 4 || wt_b.len % 8 || sizes_b.len % 8 || inv_b.len % 8 || off_b.len % 8 || cen_b.len % 8 ||
               out_b.len % 8) &&
             n_cols > 0 && n_sizes > 0 && take >= 1 && take <= 64 && take <= n_cols && inv_b.len == out_b.len &&
             cen_b.len == out_b.len && out_b.len / 8 == n_sizes * n_win && off_b.len / 8 == n_cols &&
             cos_b.len / 4 == n_rows * n_cols;
    for (Py_ssize_t k = 0; ok && k < n_sizes; k++) ok = sizes[k] >= 1 && (k == 0 || sizes[k] > sizes[k - 1]);
    if (!ok) {
        PyErr_SetString(PyExc_ValueError,
                        "mean_window_knn_sums: inconsistent buffers (increasing sizes >= 1, 1 <= take <= 64)");
        goto done;
    }
    acc = (double *)malloc(sizeof(double) * 2 * (size_t)n_cols);
    if (!acc) {
        PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    double *row = acc + n_cols;
    for (Py_ssize_t w = 0; w < n_win; w++) {
        for (Py_ssize_t c = 0; c < n_cols; c++) acc[c] = 0.0;
        Py_ssize_t grown = 0;
        for (Py_ssize_t k = 0; k < n_sizes && w + sizes[k] <= n_rows; k++) {
            for (; grown < sizes[k]; grown++) add_row(acc, cos + (w + grown) * n_cols, wt[w + grown], n_cols);
            const Py_ssize_t at = k * n_win + w;
            centred_row(row, acc, n_cols, inv[at], off, cen[at]);
            out[at] = knn_sum_d(row, n_cols, take);
        }
    }
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    free(acc);
    PyBuffer_Release(&cos_b);
    PyBuffer_Release(&wt_b);
    PyBuffer_Release(&sizes_b);
    PyBuffer_Release(&inv_b);
    PyBuffer_Release(&off_b);
    PyBuffer_Release(&cen_b);
    PyBuffer_Release(&out_b);
    return result;
}

static PyMethodDef methods[] = {
    {"dp_rows", dp_rows, METH_VARARGS, "Fill DP rows of eval.align.dp.best_path (see _dp.c)."},
    {"gather_dots", gather_dots, METH_VARARGS, "Dot products of chosen row pairs of two matrices (see _dp.c)."},
    {"mean_window_knn_sums", mean_window_knn_sums, METH_VARARGS, "kNN sums of mean windows from sentence cosines (see _dp.c)."},
    {"knn_sums", knn_sums, METH_VARARGS, "Per-row sums of the 2nd..take-th largest values (see _dp.c)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_dp", "C loops of eval.align (optional).", -1, methods};

PyMODINIT_FUNC PyInit__dp(void) { return PyModule_Create(&module); }
