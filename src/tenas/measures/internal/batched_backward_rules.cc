// Copyright 2026 The tenas Authors.

#include "tenas/measures/internal/batched_backward_rules.h"

#include <ATen/functorch/BatchedTensorImpl.h>
#include <ATen/functorch/DynamicLayer.h>
#include <c10/core/impl/LocalDispatchKeySet.h>
#include <c10/util/Exception.h>
#include <c10/util/TypeList.h>
#include <c10/util/TypeTraits.h>
#include <torch/csrc/autograd/generated/Functions.h>
#include <torch/library.h>
#include <torch/version.h>

#include <algorithm>
#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "tenas/measures/internal/backward_kernels.h"
#include "tenas/measures/internal/conv_kernels.h"

// The rules need functorch's C++ batching API inside ATen
// (ATen/functorch/*), which LibTorch has had since 1.13; they are tested on
// 1.13 (Debian's) and on the pinned 2.x of scripts/torch2.env. Where 2.x
// changed an operator's C++ signature (int[] -> SymInt[]), the rule takes
// the argument types of the operator's schema (SchemaArg below), so a
// LibTorch whose schema differs in another way fails to compile here rather
// than registering a kernel of the wrong type.
#define TENAS_BATCHED_RULES    \
  (TORCH_VERSION_MAJOR >= 2 || \
   (TORCH_VERSION_MAJOR == 1 && TORCH_VERSION_MINOR >= 13))

namespace tenas::measures {
#if TENAS_BATCHED_RULES
namespace {

namespace ft = at::functorch;
using at::Tensor;
using Grads3 = std::tuple<Tensor, Tensor, Tensor>;

// The C++ type of argument I of operator Op's kernel, as this LibTorch's
// schema declares it (e.g. convolution_backward's stride: int[] in 1.13,
// SymInt[] in 2.x).
template <typename Op>
using SchemaParams = typename c10::guts::infer_function_traits_t<
    typename Op::schema>::parameter_types;
template <typename Op, size_t I>
using SchemaArg = c10::guts::typelist::element_t<I, SchemaParams<Op>>;

// Sizes and counts as plain integers, from either kind of argument (each
// LibTorch uses one kind only). The rules only run eagerly, where every
// SymInt is a concrete integer.
[[maybe_unused]] at::IntArrayRef Ints(at::IntArrayRef v) { return v; }
[[maybe_unused]] int64_t Int(int64_t v) { return v; }
#if TORCH_VERSION_MAJOR >= 2
[[maybe_unused]] at::IntArrayRef Ints(c10::SymIntArrayRef v) {
  return C10_AS_INTARRAYREF_SLOW(v);
}
[[maybe_unused]] int64_t Int(const c10::SymInt& v) { return v.expect_int(); }
#endif

// The current vmap level; the rules only run inside one.
int64_t CurrentLevel() {
  const auto layer = ft::maybeCurrentDynamicLayer();
  TORCH_CHECK(layer.has_value(), "tenas batched rule called outside vmap");
  return layer->layerId();
}

bool IsBatchedAt(const Tensor& t, int64_t level) {
  if (!t.defined()) return false;
  const auto* impl = ft::maybeGetBatchedImpl(t);
  return impl != nullptr && impl->level() == level;
}

// The physical tensor of a batched tensor with its batch dimension first.
Tensor Physical(const Tensor& t) {
  const auto* impl = ft::maybeGetBatchedImpl(t);
  return impl->value().movedim(impl->bdim(), 0);
}

// Replica r of a tensor that may or may not be batched at `level`.
Tensor Replica(const Tensor& t, int64_t level, int64_t r) {
  return IsBatchedAt(t, level) ? Physical(t).select(0, r) : t;
}

Tensor Rebatch(const Tensor& physical, int64_t level) {
  return physical.defined() ? ft::makeBatched(physical, 0, level) : physical;
}

// Stacks per-replica results of a 3-tuple-returning kernel into batched
// tensors: the general (slow, always correct) path of every rule.
template <typename PerReplica>
Grads3 LoopOverReplicas(int64_t replicas, int64_t level, PerReplica fn) {
  std::array<std::vector<Tensor>, 3> parts;
  for (int64_t r = 0; r < replicas; ++r) {
    Grads3 g = fn(r);
    parts[0].push_back(std::get<0>(g));
    parts[1].push_back(std::get<1>(g));
    parts[2].push_back(std::get<2>(g));
  }
  std::array<Tensor, 3> out;
  for (int i = 0; i < 3; ++i) {
    if (parts[i][0].defined()) out[i] = Rebatch(at::stack(parts[i]), level);
  }
  return {out[0], out[1], out[2]};
}

// ----------------------------------------------------------------------------
// convolution_backward

// Whether a convolution's backward runs on the direct loops of
// conv_kernels.h (NCHW in and out): a K x K convolution (K = 1 or 3) with
// padding (K-1)/2, one group and any equal stride, over H x W input planes
// of CPU floats, at the loops' channel counts. The other convolutions use
// oneDNN on channels-last tensors.
bool DirectConvolution(at::IntArrayRef weight_sizes, int64_t H, int64_t W,
                       at::IntArrayRef stride, at::IntArrayRef padding,
                       at::IntArrayRef dilation, bool transposed,
                       int64_t groups, const Tensor& like) {
  if (weight_sizes.size() != 4 || transposed || groups != 1 ||
      stride.size() != 2 || stride[0] != stride[1] || stride[0] < 1 ||
      !like.device().is_cpu() ||
      (like.scalar_type() != at::kFloat && like.scalar_type() != at::kDouble)) {
    return false;
  }
  const int64_t K = weight_sizes[2];
  const auto all = [](at::IntArrayRef v, int64_t value) {
    return std::all_of(v.begin(), v.end(),
                       [&](int64_t e) { return e == value; });
  };
  return weight_sizes[3] == K && all(dilation, 1) &&
         all(padding, (K - 1) / 2) &&
         kernels::SmallConvSupported(K, weight_sizes[1], weight_sizes[0], H, W,
                                     static_cast<int64_t>(like.element_size()));
}

// The backward of a direct convolution (see DirectConvolution) for R
// cotangents g ([R, B, Co, Ho, Wo]). A strided convolution's grads are those
// of the stride-1 one whose output grads are g spread onto the input grid
// (g at every stride-th pixel, zeros between): out[i] reads the input at
// stride·i + tap - p, which is where the stride-1 output stride·i reads.
Grads3 DirectConvolutionBackward(const Tensor& g, const Tensor& input,
                                 const Tensor& weight, int64_t stride,
                                 std::array<bool, 3> mask, int64_t level) {
  const int64_t R = g.size(0), B = g.size(1), Co = g.size(2);
  const int64_t H = input.size(2), W = input.size(3);
  const int64_t Ci = weight.size(1), K = weight.size(2);
  Tensor gc;
  if (stride == 1) {
    gc = g.contiguous();
  } else {
    gc = at::zeros({R, B, Co, H, W}, g.options());
    gc.slice(3, 0, g.size(3) * stride, stride)
        .slice(4, 0, g.size(4) * stride, stride)
        .copy_(g);
  }
  Tensor grad_input, grad_weight, grad_bias;
  AT_DISPATCH_FLOATING_TYPES(gc.scalar_type(), "tenas_direct_conv", [&] {
    if (mask[0]) {
      // The input grad is the "same" convolution of the output grads with
      // the flipped kernel, input and output channels swapped.
      const Tensor flipped = weight.transpose(0, 1).flip({2, 3}).contiguous();
      grad_input = at::empty({R, B, Ci, H, W}, gc.options());
      kernels::SmallConvForward<scalar_t>(
          gc.data_ptr<scalar_t>(), flipped.data_ptr<scalar_t>(), R * B, Co, Ci,
          H, W, K, grad_input.data_ptr<scalar_t>());
    }
    if (mask[1]) {
      const Tensor x = input.contiguous();
      grad_weight = at::empty({R, Co, Ci, K, K}, gc.options());
      kernels::SmallConvWeightGrad<scalar_t>(
          gc.data_ptr<scalar_t>(), x.data_ptr<scalar_t>(), R, B, Ci, Co, H, W,
          K, grad_weight.data_ptr<scalar_t>());
    }
  });
  if (mask[2]) grad_bias = g.sum({1, 3, 4});
  return {Rebatch(grad_input, level), Rebatch(grad_weight, level),
          Rebatch(grad_bias, level)};
}

using ConvBackwardOp = at::_ops::convolution_backward;
static_assert(c10::guts::typelist::size<SchemaParams<ConvBackwardOp>>::value ==
                  11,
              "convolution_backward's schema changed: revisit the rule");

Grads3 ConvolutionBackwardRule(const Tensor& grad_output, const Tensor& input,
                               const Tensor& weight,
                               SchemaArg<ConvBackwardOp, 3> bias_sizes,
                               SchemaArg<ConvBackwardOp, 4> stride_arg,
                               SchemaArg<ConvBackwardOp, 5> padding_arg,
                               SchemaArg<ConvBackwardOp, 6> dilation_arg,
                               bool transposed,
                               SchemaArg<ConvBackwardOp, 8> output_padding_arg,
                               SchemaArg<ConvBackwardOp, 9> groups_arg,
                               std::array<bool, 3> mask) {
  c10::impl::ExcludeDispatchKeyGuard guard(c10::DispatchKey::FuncTorchBatched);
  const at::IntArrayRef stride = Ints(stride_arg);
  const at::IntArrayRef padding = Ints(padding_arg);
  const at::IntArrayRef dilation = Ints(dilation_arg);
  const at::IntArrayRef output_padding = Ints(output_padding_arg);
  const int64_t groups = Int(groups_arg);
  const int64_t level = CurrentLevel();
  if (!IsBatchedAt(grad_output, level) || IsBatchedAt(input, level) ||
      IsBatchedAt(weight, level) || transposed || input.dim() != 4) {
    const int64_t replicas =
        IsBatchedAt(grad_output, level) ? Physical(grad_output).size(0)
        : IsBatchedAt(input, level)     ? Physical(input).size(0)
                                        : Physical(weight).size(0);
    return LoopOverReplicas(replicas, level, [&](int64_t r) {
      return ConvBackwardOp::call(
          Replica(grad_output, level, r), Replica(input, level, r),
          Replica(weight, level, r), bias_sizes, stride_arg, padding_arg,
          dilation_arg, transposed, output_padding_arg, groups_arg, mask);
    });
  }
  const Tensor g = Physical(grad_output);  // [R, B, Co, Ho, Wo]
  if (DirectConvolution(weight.sizes(), input.size(2), input.size(3), stride,
                        padding, dilation, transposed, groups, g)) {
    return DirectConvolutionBackward(g, input, weight, stride[0], mask, level);
  }
  const int64_t R = g.size(0), B = g.size(1), Co = g.size(2);
  const int64_t Ho = g.size(3), Wo = g.size(4);
  const int64_t G = groups, Ci = weight.size(1) * G;
  const int64_t kh = weight.size(2), kw = weight.size(3);
  const auto kChannelsLast = at::MemoryFormat::ChannelsLast;
  Tensor grad_input, grad_weight, grad_bias;
  if (mask[0]) {
    const Tensor flat =
        g.reshape({R * B, Co, Ho, Wo}).contiguous(kChannelsLast);
    const bool same_padding = stride[0] == 1 && stride[1] == 1 &&
                              2 * padding[0] == dilation[0] * (kh - 1) &&
                              2 * padding[1] == dilation[1] * (kw - 1);
    Tensor gi;
    if (same_padding) {
      // The input grad of a stride-1 "same" convolution is the convolution
      // of the output grad with the flipped kernel, transposed per group.
      const Tensor flipped = weight.view({G, Co / G, Ci / G, kh, kw})
                                 .transpose(1, 2)
                                 .flip({3, 4})
                                 .reshape({Ci, Co / G, kh, kw})
                                 .contiguous(kChannelsLast);
      gi = at::convolution(flat, flipped, {}, stride, padding, dilation,
                           /*transposed=*/false, {0, 0}, groups);
    } else {
      // Strided: oneDNN's backward-data convolution, which reads only the
      // input's shape (LibTorch's transposed convolution would run on BLAS).
      const Tensor shape_only =
          at::empty({R * B, Ci, input.size(2), input.size(3)},
                    input.options().memory_format(kChannelsLast));
      gi = std::get<0>(at::convolution_backward(
          flat, shape_only, weight.contiguous(kChannelsLast), c10::nullopt,
          stride, padding, dilation, /*transposed=*/false, output_padding,
          groups, {true, false, false}));
    }
    // Left channels-last: its consumer is (nearly always) the ReLU before
    // the convolution, whose rule reads that layout.
    grad_input =
        Rebatch(gi.view({R, B, Ci, input.size(2), input.size(3)}), level);
  }
  if (mask[1] && g.select(0, 0).is_contiguous(kChannelsLast)) {
    // Channels-last cotangents: one oneDNN weight-grad convolution per
    // replica against the channels-last input (stacking the replicas as
    // output channels would copy every cotangent).
    const Tensor x = input.contiguous(kChannelsLast);
    std::vector<Tensor> parts;
    parts.reserve(R);
    for (int64_t r = 0; r < R; ++r) {
      parts.push_back(std::get<1>(at::convolution_backward(
          g.select(0, r), x, weight, c10::nullopt, stride, padding, dilation,
          false, output_padding, groups, {false, true, false})));
    }
    grad_weight = Rebatch(at::stack(parts), level);
  } else if (mask[1]) {
    // Replicas become output channels, group-major: [B, G*R*Co/G, Ho, Wo].
    const Tensor stacked = g.view({R, B, G, Co / G, Ho, Wo})
                               .permute({1, 2, 0, 3, 4, 5})
                               .reshape({B, G * R * (Co / G), Ho, Wo});
    const Tensor shape_only =
        at::empty({G * R * (Co / G), Ci / G, kh, kw}, weight.options());
    const Tensor gw = std::get<1>(at::convolution_backward(
        stacked, input, shape_only, c10::nullopt, stride, padding, dilation,
        false, output_padding, groups, {false, true, false}));
    grad_weight = Rebatch(gw.view({G, R, Co / G, Ci / G, kh, kw})
                              .transpose(0, 1)
                              .reshape({R, Co, Ci / G, kh, kw}),
                          level);
  }
  if (mask[2]) grad_bias = Rebatch(g.sum({1, 3, 4}), level);
  return {grad_input, grad_weight, grad_bias};
}

// ----------------------------------------------------------------------------
// native_batch_norm_backward (train mode)

// Whether the grad of `t` goes to a convolution that takes it channels-last
// (one not run by the direct loops).
bool WantsChannelsLast(const Tensor& t) {
  const auto* conv =
      dynamic_cast<const torch::autograd::generated::ConvolutionBackward0*>(
          t.grad_fn().get());
  if (conv == nullptr) return false;
  const Tensor weight = conv->weight_.unpack();
  const Tensor input = conv->input_.unpack();
  return !weight.defined() || !input.defined() || input.dim() != 4 ||
         !DirectConvolution(weight.sizes(), input.size(2), input.size(3),
                            Ints(conv->stride), Ints(conv->padding),
                            Ints(conv->dilation), conv->transposed,
                            Int(conv->groups), t);
}

Grads3 BatchNormBackwardRule(const Tensor& grad_out, const Tensor& input,
                             const c10::optional<Tensor>& weight,
                             const c10::optional<Tensor>& running_mean,
                             const c10::optional<Tensor>& running_var,
                             const c10::optional<Tensor>& save_mean,
                             const c10::optional<Tensor>& save_invstd,
                             bool train, double eps, std::array<bool, 3> mask) {
  c10::impl::ExcludeDispatchKeyGuard guard(c10::DispatchKey::FuncTorchBatched);
  const int64_t level = CurrentLevel();
  const auto batched = [&](const c10::optional<Tensor>& t) {
    return t.has_value() && IsBatchedAt(*t, level);
  };
  const bool fast =
      train && IsBatchedAt(grad_out, level) && !IsBatchedAt(input, level) &&
      !batched(weight) && !batched(save_mean) && !batched(save_invstd) &&
      save_mean.has_value() && save_invstd.has_value() && input.dim() == 4 &&
      input.device().is_cpu() &&
      (input.scalar_type() == at::kFloat || input.scalar_type() == at::kDouble);
  if (!fast) {
    const int64_t replicas =
        Physical(IsBatchedAt(grad_out, level) ? grad_out : input).size(0);
    const auto replica = [&](const c10::optional<Tensor>& t, int64_t r) {
      return t.has_value() ? c10::optional<Tensor>(Replica(*t, level, r))
                           : c10::optional<Tensor>();
    };
    return LoopOverReplicas(replicas, level, [&](int64_t r) {
      return at::native_batch_norm_backward(
          Replica(grad_out, level, r), Replica(input, level, r),
          replica(weight, r), replica(running_mean, r), replica(running_var, r),
          replica(save_mean, r), replica(save_invstd, r), train, eps, mask);
    });
  }
  const Tensor g = Physical(grad_out).contiguous();  // [R, B, C, H, W]
  const Tensor x = input.contiguous();
  const int64_t R = g.size(0), B = x.size(0), C = x.size(1);
  const int64_t H = x.size(2), W = x.size(3);
  const Tensor mean = save_mean->contiguous().to(x.scalar_type());
  const Tensor invstd = save_invstd->contiguous().to(x.scalar_type());
  const bool affine = weight.has_value() && weight->defined();
  const Tensor gamma = affine ? weight->contiguous() : Tensor();
  // The input grad goes to whatever produced the input: a convolution on
  // oneDNN takes it channels-last (no layout copy there); anything else (a
  // direct convolution, the final batch norm after a cell's sum) NCHW.
  const bool channels_last = WantsChannelsLast(input);
  Tensor gi;
  if (mask[0]) {
    gi = channels_last ? at::empty({R, B, H, W, C}, g.options())
                       : at::empty({R, B, C, H, W}, g.options());
  }
  Tensor gw = mask[1] && affine ? at::empty({R, C}, x.options()) : Tensor();
  Tensor gb = mask[2] && affine ? at::empty({R, C}, x.options()) : Tensor();
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "tenas_bn_backward", [&] {
    kernels::BatchNormBackward<scalar_t>(
        g.data_ptr<scalar_t>(), x.data_ptr<scalar_t>(),
        mean.data_ptr<scalar_t>(), invstd.data_ptr<scalar_t>(),
        affine ? gamma.data_ptr<scalar_t>() : nullptr, R, B, C, H * W,
        gi.defined() ? gi.data_ptr<scalar_t>() : nullptr, channels_last,
        gw.defined() ? gw.data_ptr<scalar_t>() : nullptr,
        gb.defined() ? gb.data_ptr<scalar_t>() : nullptr);
  });
  if (gi.defined() && channels_last) {
    gi = gi.permute({0, 1, 4, 2, 3});  // [R, B, C, H, W]
  }
  return {Rebatch(gi, level), Rebatch(gw, level), Rebatch(gb, level)};
}

// ----------------------------------------------------------------------------
// threshold_backward (the ReLU's backward: threshold 0 against its output)

Tensor ThresholdBackwardRule(const Tensor& grad_output, const Tensor& self,
                             const at::Scalar& threshold) {
  c10::impl::ExcludeDispatchKeyGuard guard(c10::DispatchKey::FuncTorchBatched);
  const int64_t level = CurrentLevel();
  const bool g_batched = IsBatchedAt(grad_output, level);
  const bool s_batched = IsBatchedAt(self, level);
  const Tensor g = g_batched ? Physical(grad_output) : grad_output;
  const bool fast =
      g_batched && !s_batched && self.dim() == 4 && g.dim() == 5 &&
      self.device().is_cpu() && g.device().is_cpu() &&
      g.scalar_type() == self.scalar_type() &&
      (self.scalar_type() == at::kFloat || self.scalar_type() == at::kDouble) &&
      threshold.toDouble() == 0.0 && g.sizes().slice(1) == self.sizes();
  if (!fast) {
    // Broadcast the unbatched side over the replicas.
    const Tensor s = s_batched ? Physical(self) : self.unsqueeze(0);
    const Tensor gg = g_batched ? g : g.unsqueeze(0);
    return Rebatch(at::threshold_backward(gg, s, threshold), level);
  }
  const int64_t R = g.size(0), B = g.size(1), C = g.size(2);
  const int64_t hw = g.size(3) * g.size(4);
  // Channels-last per (replica, sample), as the convolution rule returns.
  const bool g_channels_last =
      !g.is_contiguous() && g.permute({0, 1, 3, 4, 2}).is_contiguous();
  const Tensor gc = g_channels_last ? g : g.contiguous();
  const Tensor y = self.contiguous();
  Tensor out = at::empty(g.sizes(), g.options());
  AT_DISPATCH_FLOATING_TYPES(y.scalar_type(), "tenas_relu_backward", [&] {
    kernels::ReluBackward<scalar_t>(gc.data_ptr<scalar_t>(), g_channels_last,
                                    y.data_ptr<scalar_t>(), R, B, C, hw,
                                    out.data_ptr<scalar_t>());
  });
  return Rebatch(out, level);
}

// ----------------------------------------------------------------------------
// avg_pool2d_backward

Tensor AvgPoolBackwardRule(const Tensor& grad_output, const Tensor& self,
                           at::IntArrayRef kernel, at::IntArrayRef stride,
                           at::IntArrayRef padding, bool ceil_mode,
                           bool count_include_pad,
                           c10::optional<int64_t> divisor_override) {
  c10::impl::ExcludeDispatchKeyGuard guard(c10::DispatchKey::FuncTorchBatched);
  const int64_t level = CurrentLevel();
  if (!IsBatchedAt(grad_output, level) || IsBatchedAt(self, level) ||
      self.dim() != 4) {
    const int64_t replicas =
        Physical(IsBatchedAt(grad_output, level) ? grad_output : self).size(0);
    return std::get<0>(LoopOverReplicas(replicas, level, [&](int64_t r) {
      return Grads3{
          at::avg_pool2d_backward(
              Replica(grad_output, level, r), Replica(self, level, r), kernel,
              stride, padding, ceil_mode, count_include_pad, divisor_override),
          Tensor(), Tensor()};
    }));
  }
  const Tensor g = Physical(grad_output);  // [R, B, C, Ho, Wo]
  const int64_t R = g.size(0), B = g.size(1), C = g.size(2);
  const int64_t H = self.size(2), W = self.size(3);
  const bool box3 = kernel.size() == 2 && kernel[0] == 3 && kernel[1] == 3 &&
                    stride.size() == 2 && stride[0] == 1 && stride[1] == 1 &&
                    padding.size() == 2 && padding[0] == 1 && padding[1] == 1 &&
                    !ceil_mode && !divisor_override.has_value();
  const Tensor gc = g.contiguous();  // the convolution rule's is channels-last
  Tensor out;
  if (box3 && gc.device().is_cpu() &&
      (gc.scalar_type() == at::kFloat || gc.scalar_type() == at::kDouble)) {
    out = at::empty({R, B, C, H, W}, gc.options());
    AT_DISPATCH_FLOATING_TYPES(
        gc.scalar_type(), "tenas_avg_pool_backward", [&] {
          kernels::AvgPool3x3Backward<scalar_t>(
              gc.data_ptr<scalar_t>(), R * B * C, H, W, count_include_pad,
              out.data_ptr<scalar_t>());
        });
  } else {
    const Tensor shape_only = at::empty({R * B, C, H, W}, self.options());
    out = at::avg_pool2d_backward(
        gc.view({R * B, C, gc.size(3), gc.size(4)}), shape_only, kernel, stride,
        padding, ceil_mode, count_include_pad, divisor_override);
  }
  return Rebatch(out.view({R, B, C, H, W}), level);
}

// Swallows the dispatcher's override warning while the rules register.
// (2.x passes the handler one c10::Warning; its guard is in WarningUtils.)
class QuietHandler : public c10::WarningHandler {
 public:
#if TORCH_VERSION_MAJOR >= 2
  void process(const c10::Warning& /*warning*/) override {}
#else
  void process(const c10::SourceLocation& /*location*/,
               const std::string& /*msg*/, const bool /*verbatim*/) override {}
#endif
};

#if TORCH_VERSION_MAJOR >= 2
using WarningHandlerGuard = c10::WarningUtils::WarningHandlerGuard;
#else
using WarningHandlerGuard = c10::Warning::WarningHandlerGuard;
#endif

}  // namespace
#endif  // TENAS_BATCHED_RULES

bool BatchedBackwardRulesSupported() {
  // Before 1.13 (no functorch in ATen) functorch's stock rules would run:
  // same values, more slowly. This project builds against 1.13 and 2.x.
  return TENAS_BATCHED_RULES;
}

void InstallBatchedBackwardRules() {
#if TENAS_BATCHED_RULES
  static std::once_flag once;
  std::call_once(once, [] {
    QuietHandler quiet;
    WarningHandlerGuard guard(&quiet);
    // Lives for the rest of the process: destroying it would unregister.
    static auto* library = new torch::Library(
        torch::Library::IMPL, "aten", c10::DispatchKey::FuncTorchBatched,
        __FILE__, __LINE__);
    library->impl("convolution_backward", TORCH_FN(ConvolutionBackwardRule));
    library->impl("native_batch_norm_backward",
                  TORCH_FN(BatchNormBackwardRule));
    library->impl("avg_pool2d_backward", TORCH_FN(AvgPoolBackwardRule));
    library->impl("threshold_backward", TORCH_FN(ThresholdBackwardRule));
  });
#endif  // TENAS_BATCHED_RULES
}

}  // namespace tenas::measures
