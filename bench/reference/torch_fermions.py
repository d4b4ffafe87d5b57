#!/usr/bin/env python3
"""PyTorch reference for one training epoch of the 1D-fermion NQS (REFERENCE.md section 2).

NOT part of the project's dependencies: a cross-check / speed yardstick for `nqs bench fermions`.
Uses Debian's python3-torch (1.13) and python3-numpy:  apt-get install python3-torch python3-numpy

One epoch = 10 all-particle Metropolis sweeps (Gaussian moves, width adapted every sweep
sigma <- sigma * max(acc, 0.05) / 0.5) + local energies (Laplacian of ln|psi|) + one Adam step on
the energy gradient 2 <(E_L - <E_L>) d ln|psi|> with E_L clipped to median +- 5 mean |E_L - median|.

Network (paper): h_i^(0) = x_i; h^(l+1)_i = tanh(W^(l) [h_i^(l), mean_j h_j^(l)] + b^(l)) (+ h_i^(l)
from the second layer on); Phi_ij = (w_j . h_i^(L) + b_j) exp(-(kappa_j x_i)^2), kappa_j = sqrt(0.5)
initially; ln|psi| = ln|det Phi| (D = 1) via torch.linalg.slogdet. H = 64, L = 2: 8448 + 66 A params.

Laplacian methods (--laplacian):
  forward  (default) the forward Laplacian: value, d/dx_k (k = 1..A) and sum_k d2/dx_k2 carried
           through the layers with ordinary batched ops; for the determinant
           d_k ln|det M| = tr(M^-1 d_k M), Lap ln|det M| = tr(M^-1 Lap M) - sum_k tr((M^-1 d_k M)^2).
           (W = [W_h; W_m] is split so the mean-field term's derivatives cost B*A*d*H, not B*A*A*d*H.)
  nested   reverse mode: grad with create_graph, then one more backward per coordinate k (A passes).
Both are checked against each other and against float64 finite differences with --check.
--chunk N evaluates the local energies in walker slices of N (the [B, A, A, H] derivative tensors then
stay in cache; ~2x faster E_L at A = 6, 4096 walkers here). Default 0: all walkers at once.

Use an optimised BLAS: Debian's python3-torch links the reference libblas by default, which makes
the matmuls ~8x slower. Install libopenblas0-serial and run with
  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-serial python3 bench/reference/torch_fermions.py
(the JSON reports which BLAS was mapped).

Usage:
  python3 bench/reference/torch_fermions.py                    # default grid: A = 2,4,6 x 1024,4096
  python3 bench/reference/torch_fermions.py --A 6 --walkers 4096 --epochs 5
  python3 bench/reference/torch_fermions.py --check            # correctness checks, then exit
Prints one JSON line on stdout: {"torch": ..., "threads": 1, "results": [{A, walkers, epochSeconds, ...}]}
"""
import argparse
import json
import math
import os
import platform
import statistics
import sys
import time

import torch

SIGMA0 = 0.5


class Net(torch.nn.Module):
    """Equivariant Slater network of the paper (D = 1)."""

    def __init__(self, A, H=64, L=2):
        super().__init__()
        self.A, self.H, self.L = A, H, L
        dims = [1] + [H] * L
        # layer l acts on [h_i, mean_j h_j] -> split the weight into the h part and the mean part
        self.lin = torch.nn.ModuleList([torch.nn.Linear(2 * dims[l], dims[l + 1]) for l in range(L)])
        self.orb = torch.nn.Linear(H, A)  # w_j (A x H) and b_j
        self.kappa = torch.nn.Parameter(torch.full((A,), math.sqrt(0.5)))

    def n_params(self):
        return sum(p.numel() for p in self.parameters())

    def _split(self, l):
        W = self.lin[l].weight  # [out, 2d]
        d = W.shape[1] // 2
        return W[:, :d].t(), W[:, d:].t(), self.lin[l].bias  # [d, H], [d, H], [H]

    def orbitals(self, x):
        """x [B, A] -> Phi [B, A, A] (rows: particles i, columns: orbitals j)."""
        h = x.unsqueeze(-1)
        for l in range(self.L):
            Wh, Wm, b = self._split(l)
            u = h @ Wh + h.mean(dim=1, keepdim=True) @ Wm + b
            t = torch.tanh(u)
            h = t + h if l >= 1 else t
        o = self.orb(h)  # [B, A(i), A(j)]
        env = torch.exp(-(self.kappa * x.unsqueeze(-1)) ** 2)
        return o * env

    def log_psi(self, x):
        return torch.linalg.slogdet(self.orbitals(x))[1]

    def log_psi_fwdlap(self, x):
        """Forward Laplacian. x [B, A] -> (ln|psi| [B], grad [B, A], lap [B]) of ln|psi| w.r.t. x."""
        B, A = x.shape
        h = x.unsqueeze(-1)  # [B, A, 1]
        g = torch.eye(A, dtype=x.dtype).expand(B, A, A).unsqueeze(-1)  # [B, K, A, 1]: d h_i / d x_k
        lap = torch.zeros_like(h)  # [B, A, 1]
        for l in range(self.L):
            Wh, Wm, b = self._split(l)
            m, gm, lm = h.mean(1, keepdim=True), g.mean(2, keepdim=True), lap.mean(1, keepdim=True)
            u = h @ Wh + m @ Wm + b  # [B, A, H]
            gu = g @ Wh + gm @ Wm  # [B, K, A, H]
            lu = lap @ Wh + lm @ Wm  # [B, A, H]
            t = torch.tanh(u)
            d1 = 1 - t * t
            d2 = -2 * t * d1
            gt = d1.unsqueeze(1) * gu
            lt = d1 * lu + d2 * (gu * gu).sum(1)
            if l >= 1:
                h, g, lap = t + h, gt + g, lt + lap
            else:
                h, g, lap = t, gt, lt
        w, bo = self.orb.weight.t(), self.orb.bias  # [H, A], [A]
        o = h @ w + bo  # [B, i, j]
        go = g @ w  # [B, K, i, j]
        lo = lap @ w  # [B, i, j]
        k2 = self.kappa ** 2
        xi = x.unsqueeze(-1)  # [B, i, 1]
        e = torch.exp(-k2 * xi * xi)  # [B, i, j]
        e1 = -2 * k2 * xi * e  # d e_ij / d x_i
        e2 = (4 * k2 * k2 * xi * xi - 2 * k2) * e
        M = o * e
        # d_k M_ij = d_k o_ij e_ij + delta_ik o_ij e1_ij
        eyeK = torch.eye(A, dtype=x.dtype).view(1, A, A, 1)  # [1, K, i, 1]
        gM = go * e.unsqueeze(1) + eyeK * (o * e1).unsqueeze(1)
        # Lap M_ij = Lap o e + 2 d_i o_ij e1_ij + o e2   (d_i o_ij: the k = i slice of go)
        goii = torch.diagonal(go, dim1=1, dim2=2).permute(0, 2, 1)  # [B, i, j] = go[b, i, i, j]
        lM = lo * e + 2 * goii * e1 + o * e2
        logabs = torch.linalg.slogdet(M)[1]
        Minv = torch.linalg.inv_ex(M).inverse  # no raise at (near-)nodes: those walkers have |psi| ~ 0
        P = Minv.unsqueeze(1) @ gM  # [B, K, A, A]
        grad = torch.diagonal(P, dim1=-2, dim2=-1).sum(-1)  # [B, K]
        trP2 = (P * P.transpose(-1, -2)).sum((-1, -2))  # [B, K]
        lapl = (Minv * lM.transpose(-1, -2)).sum((-1, -2)) - trP2.sum(-1)
        return logabs, grad, lapl

    def log_psi_nested(self, x):
        """Reference: reverse mode, one extra backward per coordinate."""
        with torch.enable_grad():
            x = x.detach().requires_grad_(True)
            lp = self.log_psi(x)
            (g,) = torch.autograd.grad(lp.sum(), x, create_graph=True)
            lap = torch.zeros_like(lp)
            for k in range(x.shape[1]):
                (gg,) = torch.autograd.grad(g[:, k].sum(), x, retain_graph=True)
                lap = lap + gg[:, k]
        return lp.detach(), g.detach(), lap.detach()


def potential(x, V0):
    """Trap + Gaussian pair interaction V0/(sqrt(2 pi) s0) sum_{i<j} exp(-(xi-xj)^2/(2 s0^2)) [B]."""
    trap = 0.5 * (x * x).sum(-1)
    d = x.unsqueeze(-1) - x.unsqueeze(-2)
    A = x.shape[1]
    iu = torch.triu_indices(A, A, 1)
    pair = torch.exp(-(d[:, iu[0], iu[1]] ** 2) / (2 * SIGMA0 ** 2)).sum(-1)
    return trap + V0 / (math.sqrt(2 * math.pi) * SIGMA0) * pair


def local_energy(net, x, V0, method, chunk=0):
    """E_L [B]; with chunk > 0 the walkers go through in slices of that size (cache-friendly)."""
    if chunk and chunk < x.shape[0]:
        return torch.cat([local_energy(net, xc, V0, method) for xc in x.split(chunk)])
    with torch.no_grad():
        if method == 'forward':
            _, g, lap = net.log_psi_fwdlap(x)
        else:
            _, g, lap = net.log_psi_nested(x)
        return -0.5 * (lap + (g * g).sum(-1)) + potential(x, V0)


class Sampler:
    def __init__(self, net, x, sigma=1.0):
        self.net, self.x, self.sigma = net, x, sigma
        with torch.no_grad():
            self.lp = net.log_psi(x)

    @torch.no_grad()
    def sweep(self):
        x1 = self.x + self.sigma * torch.randn_like(self.x)
        lp1 = self.net.log_psi(x1)
        acc = torch.rand_like(lp1).log() < 2 * (lp1 - self.lp)
        self.x = torch.where(acc.unsqueeze(-1), x1, self.x)
        self.lp = torch.where(acc, lp1, self.lp)
        a = acc.float().mean().item()
        self.sigma *= max(a, 0.05) / 0.5
        return a

    @torch.no_grad()
    def refresh(self):
        self.lp = self.net.log_psi(self.x)


def epoch(net, opt, sampler, V0, method, sweeps=10, chunk=0):
    c0 = time.process_time()
    t0 = time.perf_counter()
    sampler.refresh()  # parameters changed since the last epoch
    for _ in range(sweeps):
        sampler.sweep()
    t1 = time.perf_counter()
    x = sampler.x
    el = local_energy(net, x, V0, method, chunk)
    med = el.median()
    mad = (el - med).abs().mean()
    elc = el.clamp(med - 5 * mad, med + 5 * mad)
    t2 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    lp = net.log_psi(x)
    loss = 2 * ((elc - elc.mean()) * lp).mean()
    loss.backward()
    opt.step()
    t3 = time.perf_counter()
    cpu = time.process_time() - c0
    return {'sweep': t1 - t0, 'local': t2 - t1, 'step': t3 - t2, 'total': t3 - t0, 'cpu': cpu, 'energy': el.mean().item()}


def bench(A, walkers, epochs, warmup, V0, method, seed, chunk=0):
    torch.manual_seed(seed)
    net = Net(A)
    opt = torch.optim.Adam(net.parameters(), lr=1e-4)
    sampler = Sampler(net, torch.randn(walkers, A))
    for _ in range(warmup):
        epoch(net, opt, sampler, V0, method, chunk=chunk)
    runs = [epoch(net, opt, sampler, V0, method, chunk=chunk) for _ in range(epochs)]
    med = lambda k: statistics.median(r[k] for r in runs)  # noqa: E731
    return {
        'A': A, 'walkers': walkers, 'laplacian': method, 'chunk': chunk, 'epochs': epochs, 'params': net.n_params(),
        'epochSeconds': med('total'), 'sweepSeconds': med('sweep'), 'localEnergySeconds': med('local'),
        'stepSeconds': med('step'), 'epochCpuSeconds': med('cpu'), 'epochSecondsAll': [round(r['total'], 4) for r in runs],
        'energy': runs[-1]['energy'], 'sigma': sampler.sigma,
    }


def check():
    """Forward Laplacian = nested reverse mode = float64 finite differences; E_L sane; params count."""
    torch.manual_seed(1)
    ok = True
    for A in (2, 3, 5):
        net = Net(A).double()
        assert net.n_params() == 8448 + 66 * A, net.n_params()
        x = torch.randn(16, A, dtype=torch.float64)
        with torch.no_grad():
            lp, g, lap = net.log_psi_fwdlap(x)
        lp2, g2, lap2 = net.log_psi_nested(x)
        h = 1e-4
        with torch.no_grad():
            fd_g = torch.zeros_like(g)
            fd_l = torch.zeros_like(lap)
            for k in range(A):
                e = torch.zeros(A, dtype=torch.float64)
                e[k] = h
                fp, f0, fm = net.log_psi(x + e), net.log_psi(x), net.log_psi(x - e)
                fd_g[:, k] = (fp - fm) / (2 * h)
                fd_l += (fp - 2 * f0 + fm) / h ** 2
        # near a node of psi ln|psi| is singular and differences lose all digits: compare relative
        # errors on the walkers away from nodes (|grad ln psi| < 20)
        keep = (g.abs().max(-1).values < 20)
        rel = lambda a, b: ((a - b).abs() / (1 + b.abs()))[keep].max().item()  # noqa: E731
        errs = {
            'kept': int(keep.sum()),
            'value': (lp - lp2).abs().max().item(),
            'grad_nested': rel(g, g2), 'lap_nested': rel(lap, lap2),
            'grad_fd': rel(g, fd_g), 'lap_fd': rel(lap, fd_l),
        }
        good = errs['kept'] >= 3 and errs['value'] < 1e-10 and errs['grad_nested'] < 1e-10 \
            and errs['lap_nested'] < 1e-10 and errs['grad_fd'] < 1e-5 and errs['lap_fd'] < 1e-4
        ok &= good
        print(f'A={A} {"ok" if good else "FAIL"} {errs}', file=sys.stderr)
    # antisymmetry: swapping two particles leaves ln|psi| unchanged
    net = Net(4).double()
    x = torch.randn(5, 4, dtype=torch.float64)
    xs = x[:, [1, 0, 2, 3]]
    with torch.no_grad():
        d = (net.log_psi(x) - net.log_psi(xs)).abs().max().item()
    ok &= d < 1e-10
    print(f'swap invariance of ln|psi|: {d:.2e}', file=sys.stderr)
    return ok


def blas_library():
    """The BLAS shared library this process mapped (Debian: reference libblas or OpenBLAS)."""
    try:
        with open('/proc/self/maps') as f:
            libs = {line.split()[-1] for line in f if 'blas' in line}
        return sorted(libs)
    except OSError:
        return []


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--A', type=int, nargs='*', default=None, help='particle numbers (default 2 4 6)')
    ap.add_argument('--walkers', type=int, nargs='*', default=None, help='walker counts (default 1024 4096)')
    ap.add_argument('--epochs', type=int, default=5, help='timed epochs per case (median reported)')
    ap.add_argument('--warmup', type=int, default=2, help='untimed epochs first')
    ap.add_argument('--V0', type=float, default=10.0)
    ap.add_argument('--laplacian', choices=['forward', 'nested'], default='forward')
    ap.add_argument('--chunk', type=int, default=0, help='local energies in walker slices of this size (0: all at once)')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--check', action='store_true', help='run the correctness checks and exit')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.check:
        sys.exit(0 if check() else 1)
    results = []
    for A in a.A or [2, 4, 6]:
        for W in a.walkers or [1024, 4096]:
            r = bench(A, W, a.epochs, a.warmup, a.V0, a.laplacian, a.seed, a.chunk)
            print(f"A={A} walkers={W} {a.laplacian}{f' chunk {a.chunk}' if a.chunk else ''}: epoch {r['epochSeconds']:.3f} s "
                  f"(sweeps {r['sweepSeconds']:.3f}, E_L {r['localEnergySeconds']:.3f}, step {r['stepSeconds']:.3f}; "
                  f"cpu {r['epochCpuSeconds']:.3f} s)",
                  file=sys.stderr)
            results.append(r)
    blas = blas_library()
    print(json.dumps({
        'torch': torch.__version__, 'threads': torch.get_num_threads(), 'python': platform.python_version(),
        'cpu': platform.processor() or platform.machine(), 'blas': blas,
        'loadavg': os.getloadavg(), 'results': results,
    }))


if __name__ == '__main__':
    main()
