// Graph rewrites before quantization. Each keeps the float function of the graph (up to rounding):
//   FoldBatchNorm   a BatchNormalization whose input is a Conv's output read by nothing else is folded
//                   into that Conv's weights and bias: W'[k] = W[k] * g[k] / sqrt(v[k] + eps),
//                   b'[k] = (b[k] - m[k]) * g[k] / sqrt(v[k] + eps) + beta[k].
//   BatchNormToConv any other BatchNormalization on a rank-3/4 tensor becomes a depthwise 1x1 Conv
//                   (a per-channel scale and shift), so it can be offloaded too.
#pragma once

#include "host/model/graph.h"

namespace dcoc::model {

struct PassStats {
  int folded_batchnorms = 0;
  int batchnorms_as_conv = 0;
};

PassStats FoldBatchNorm(Graph& g);
PassStats BatchNormToConv(Graph& g);
// Both, in that order.
PassStats PrepareForQuantization(Graph& g);

}  // namespace dcoc::model
