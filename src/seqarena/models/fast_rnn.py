"""A GRU layer whose CPU pass is one autograd node with a hand-written backward.

`nn.GRU` on the CPU records about a dozen autograd nodes per time step; at the seed's sizes (batch
64, hidden 128, ~28 steps) that bookkeeping costs a third of a training step. `FastGRU` is an
`nn.GRU` (same parameters, names, state dict, equations). On the CPU in float32 with one
unidirectional layer, each time step is one matrix product (PyTorch, MKL) and one fused C kernel
(`seqarena.kernels`), and the backward is written out:

    GRU  forward   gh = h W_hh^T + b_hh;  r, z = sigmoid(gi_rz + gh_rz);  n = tanh(gi_n + r gh_n);
                   h' = n + z (h - n)                    (gi = x W_ih^T + b_ih for all steps at once)
         backward  per step: the gate gradients from dh (one kernel), dh_prev = dh z + d_gh W_hh;
                   then dW_ih, dW_hh and dx as three matrix products over all steps.

Anything else (CUDA, other dtypes, several layers, packed input, no C compiler, or inside
`seqarena.kernels.disabled()`) runs nn.GRU's forward unchanged, so the layer only ever changes speed;
tests check that both paths agree. nn.LSTM is left as it is: a fused LSTM step was measured no faster
than PyTorch's oneDNN LSTM at the seed's sizes (hidden 64).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.autograd.function import once_differentiable

from seqarena import kernels

F32 = 4  # bytes per float32


def _ptr(t: torch.Tensor, step: int = 0) -> int:
    """Address of row-block `step` of a contiguous (T, ...) float32 tensor."""
    return t.data_ptr() + step * t.stride(0) * F32


class _GRUFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh):  # x (T, B, I), h0 (B, H); all contiguous
        lib = kernels.load()
        T, B, _ = x.shape
        H = h0.shape[-1]
        gi = torch.addmm(b_ih, x.view(T * B, -1), w_ih.t()).view(T, B, 3 * H)
        hs = x.new_empty(T + 1, B, H)  # hs[0] = h0, hs[t + 1] = output at t
        hs[0] = h0
        rz, n, ghn = x.new_empty(T, B, 2 * H), x.new_empty(T, B, H), x.new_empty(T, B, H)
        gh = x.new_empty(B, 3 * H)
        w_hh_t, h_views = w_hh.t(), hs.unbind(0)
        for t in range(T):
            torch.mm(h_views[t], w_hh_t, out=gh)  # b_hh is added in the kernel: no bias copy
            lib.gru_fwd_step(B, H, _ptr(gi, t), 3 * H, gh.data_ptr(), b_hh.data_ptr(), _ptr(hs, t), _ptr(rz, t),
                             _ptr(n, t), _ptr(ghn, t), _ptr(hs, t + 1))
        ctx.save_for_backward(x, hs, rz, n, ghn, w_ih, w_hh)
        return hs[1:].clone(), hs[T].clone()

    @staticmethod
    @once_differentiable
    def backward(ctx, d_out, d_hT):  # d_out (T, B, H), d_hT (B, H)
        lib = kernels.load()
        x, hs, rz, n, ghn, w_ih, w_hh = ctx.saved_tensors
        T, B, H = n.shape
        d_out = torch.zeros_like(n) if d_out is None else d_out.contiguous()
        d_gh, d_gi = x.new_empty(T, B, 3 * H), x.new_empty(T, B, 3 * H)
        # dL/dh_t = a + b: a bypasses W_hh (two buffers, read one, write the other), b = d_gh[t + 1] W_hh
        a0 = d_out[T - 1].clone() if d_hT is None else d_out[T - 1] + d_hT
        a, b = [a0, torch.empty_like(a0)], torch.zeros_like(a0)
        gh_views = d_gh.unbind(0)
        for i, t in enumerate(range(T - 1, -1, -1)):
            a_in, a_out = a[i % 2], a[(i + 1) % 2]
            lib.gru_bwd_step(B, H, a_in.data_ptr(), b.data_ptr(), _ptr(rz, t), _ptr(n, t), _ptr(ghn, t), _ptr(hs, t),
                             _ptr(d_out, t - 1) if t > 0 else None, _ptr(d_gh, t), _ptr(d_gi, t), a_out.data_ptr())
            torch.mm(gh_views[t], w_hh, out=b)
        dh = a[T % 2] + b
        d_gi2, d_gh2 = d_gi.view(T * B, 3 * H), d_gh.view(T * B, 3 * H)
        d_x = (d_gi2 @ w_ih).view_as(x) if ctx.needs_input_grad[0] else None
        d_w_ih = d_gi2.t() @ x.view(T * B, -1)
        d_w_hh = d_gh2.t() @ hs[:-1].reshape(T * B, H)
        return d_x, dh, d_w_ih, d_w_hh, d_gi2.sum(0), d_gh2.sum(0)


def _fast_path(layer: nn.RNNBase, input) -> bool:
    return (
        kernels.enabled()
        and isinstance(input, torch.Tensor)
        and input.device.type == "cpu"
        and input.dtype == torch.float32
        and input.dim() == 3
        and input.shape[0] > 0 and input.shape[1] > 0
        and layer.num_layers == 1
        and not layer.bidirectional
        and layer.bias
        and getattr(layer, "proj_size", 0) == 0
        and not torch.is_autocast_enabled("cpu")
        and all(p.dtype == torch.float32 for p in layer.parameters())
        and kernels.load() is not None
    )


class FastGRU(nn.GRU):
    """nn.GRU with a faster CPU training pass for the one-layer, unidirectional, unpacked case."""

    def forward(self, input, hx=None):  # nn.GRU's signature
        if not _fast_path(self, input):
            return super().forward(input, hx)
        if hx is not None:
            self.check_forward_args(input, hx, None)  # nn.GRU's own shape checks
        x = (input.transpose(0, 1) if self.batch_first else input).contiguous()  # (T, B, I)
        h0 = x.new_zeros(x.shape[1], self.hidden_size) if hx is None else hx[0].to(x.dtype).contiguous()
        out, h_last = _GRUFunction.apply(x, h0, self.weight_ih_l0, self.weight_hh_l0,
                                         self.bias_ih_l0, self.bias_hh_l0)
        return (out.transpose(0, 1) if self.batch_first else out), h_last.unsqueeze(0)
