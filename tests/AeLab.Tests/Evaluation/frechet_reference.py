"""Independent reference for FrechetDistanceTests.Matches_an_independent_pure_python_computation.

Plain Python only (no numpy): the fixed features of the test, their means and covariances, the
matrix square roots by Jacobi eigendecomposition, and d^2 = |mu1 - mu2|^2 + tr(S1 + S2 - 2 sqrt(sqrt(S1) S2 sqrt(S1))).
Run with any python3; the printed value is the constant in the test.
"""
import math

N, D = 40, 5

def features(n, d, phase, stretch):
    # The same formula as the C# test's FixedFeatures.
    return [[math.sin(0.37 * (i + 1) * (j + 1) + phase) * (1 + stretch * j) + 0.1 * ((i * 7 + j * 3) % 5)
             for j in range(d)] for i in range(n)]

def mean(x):
    return [sum(r[j] for r in x) / len(x) for j in range(len(x[0]))]

def cov(x):
    m = mean(x); n = len(x); d = len(m)
    return [[sum((r[a] - m[a]) * (r[b] - m[b]) for r in x) / (n - 1) for b in range(d)] for a in range(d)]

def matmul(a, b):
    return [[sum(a[i][k] * b[k][j] for k in range(len(b))) for j in range(len(b[0]))] for i in range(len(a))]

def jacobi(a, sweeps=100):
    """Eigenvalues and eigenvectors (columns) of a symmetric matrix by cyclic Jacobi rotations."""
    n = len(a); a = [row[:] for row in a]
    v = [[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)]
    for _ in range(sweeps):
        off = sum(a[i][j] ** 2 for i in range(n) for j in range(n) if i != j)
        if off < 1e-30:
            break
        for p in range(n):
            for q in range(p + 1, n):
                if abs(a[p][q]) < 1e-300:
                    continue
                theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
                t = (1 if theta >= 0 else -1) / (abs(theta) + math.sqrt(theta * theta + 1))
                c = 1 / math.sqrt(t * t + 1); s = t * c
                for k in range(n):
                    akp, akq = a[k][p], a[k][q]
                    a[k][p], a[k][q] = c * akp - s * akq, s * akp + c * akq
                for k in range(n):
                    apk, aqk = a[p][k], a[q][k]
                    a[p][k], a[q][k] = c * apk - s * aqk, s * apk + c * aqk
                for k in range(n):
                    vkp, vkq = v[k][p], v[k][q]
                    v[k][p], v[k][q] = c * vkp - s * vkq, s * vkp + c * vkq
    return [a[i][i] for i in range(n)], v

def sqrtm_sym(a):
    w, v = jacobi(a)
    n = len(a)
    return [[sum(v[i][k] * math.sqrt(max(w[k], 0.0)) * v[j][k] for k in range(n)) for j in range(n)] for i in range(n)]

x = features(N, D, 0.0, 0.5)
y = features(N, D, 0.8, 0.2)
m1, m2 = mean(x), mean(y)
s1, s2 = cov(x), cov(y)
r1 = sqrtm_sym(s1)
inner = matmul(matmul(r1, s2), r1)
w, _ = jacobi(inner)
tr_root = sum(math.sqrt(max(l, 0.0)) for l in w)
mean_term = sum((a - b) ** 2 for a, b in zip(m1, m2))
d2 = mean_term + sum(s1[i][i] for i in range(D)) + sum(s2[i][i] for i in range(D)) - 2 * tr_root
print(f"mean term {mean_term!r}")
print(f"d2 {d2!r}")
