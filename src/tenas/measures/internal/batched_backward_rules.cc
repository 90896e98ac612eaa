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

#include "tenas/measures/internal/replica_backward.h"

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
  auto [grad_input, grad_weight] =
      replica::ConvolutionBackward(g, input, weight, stride, padding, dilation,
                                   output_padding, groups, mask[0], mask[1]);
  grad_input = Rebatch(grad_input, level);
  grad_weight = Rebatch(grad_weight, level);
  Tensor grad_bias;
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
         !replica::DirectConvolution(weight.sizes(), input.size(2),
                                     input.size(3), Ints(conv->stride),
                                     Ints(conv->padding), Ints(conv->dilation),
                                     conv->transposed, Int(conv->groups), t);
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
      save_mean.has_value() && save_invstd.has_value() &&
      replica::BatchNormBackwardSupported(Physical(grad_out), input);
  if (!fast) {
    const int64_t replicas =
        Physical(IsBatchedAt(grad_out, level) ? grad_out : input).size(0);
    const auto replica_of = [&](const c10::optional<Tensor>& t, int64_t r) {
      return t.has_value() ? c10::optional<Tensor>(Replica(*t, level, r))
                           : c10::optional<Tensor>();
    };
    return LoopOverReplicas(replicas, level, [&](int64_t r) {
      return at::native_batch_norm_backward(
          Replica(grad_out, level, r), Replica(input, level, r),
          replica_of(weight, r), replica_of(running_mean, r),
          replica_of(running_var, r), replica_of(save_mean, r),
          replica_of(save_invstd, r), train, eps, mask);
    });
  }
  const bool affine = weight.has_value() && weight->defined();
  // The input grad goes to whatever produced the input: a convolution on
  // oneDNN takes it channels-last (no layout copy there); anything else (a
  // direct convolution, the final batch norm after a cell's sum) NCHW.
  const replica::BatchNormGrads grads = replica::BatchNormBackward(
      Physical(grad_out), input, *save_mean, *save_invstd,
      affine ? *weight : Tensor(), WantsChannelsLast(input), mask);
  return {Rebatch(grads.input, level), Rebatch(grads.gamma, level),
          Rebatch(grads.beta, level)};
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
  const bool fast = g_batched && !s_batched && threshold.toDouble() == 0.0 &&
                    replica::ReluBackwardSupported(g, self);
  if (!fast) {
    // Broadcast the unbatched side over the replicas.
    const Tensor s = s_batched ? Physical(self) : self.unsqueeze(0);
    const Tensor gg = g_batched ? g : g.unsqueeze(0);
    return Rebatch(at::threshold_backward(gg, s, threshold), level);
  }
  return Rebatch(replica::ReluBackward(g, self), level);
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
  if (ceil_mode || divisor_override.has_value()) {
    const Tensor g = Physical(grad_output);
    const int64_t R = g.size(0);
    const Tensor shape_only =
        at::empty({R * self.size(0), self.size(1), self.size(2), self.size(3)},
                  self.options());
    const Tensor out = at::avg_pool2d_backward(
        g.reshape({R * g.size(1), g.size(2), g.size(3), g.size(4)}), shape_only,
        kernel, stride, padding, ceil_mode, count_include_pad,
        divisor_override);
    return Rebatch(
        out.view({R, self.size(0), self.size(1), self.size(2), self.size(3)}),
        level);
  }
  return Rebatch(replica::AvgPoolBackward(Physical(grad_output), self.size(2),
                                          self.size(3), kernel, stride, padding,
                                          count_include_pad),
                 level);
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
