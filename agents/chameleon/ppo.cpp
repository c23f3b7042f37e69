// The only translation unit of the tuners that includes <torch/torch.h>.
#include "agents/chameleon/ppo.h"

#include <torch/torch.h>

#include <cmath>

namespace dcoc::agents::chameleon {

namespace {

// All weights live in one flat parameter tensor (the layers are views of it), so the optimizer
// updates one tensor instead of two dozen: the networks are tiny and per-tensor overhead dominates.
// Per-head layers are stacked ([heads, in, out]) and applied with one batched product, which is the
// same function as one small dense layer per head.
struct PolicyImpl : torch::nn::Module {
  PolicyImpl(int obs_dim, int heads, int actions, int hidden, double temp, Rng& rng) : temperature(temp) {
    std::vector<float> init;
    const auto add = [&](std::vector<int64_t> shape, int64_t fan_in, int64_t fan_out, bool bias) {
      Slice sl{int64_t(init.size()), shape};
      int64_t n = 1;
      for (int64_t d : shape) n *= d;
      // Glorot-uniform weights, zero biases (TensorFlow's dense defaults), from our own generator.
      const double bound = std::sqrt(6.0 / double(fan_in + fan_out));
      for (int64_t i = 0; i < n; ++i) init.push_back(bias ? 0.0f : float((2 * rng.Uniform() - 1) * bound));
      return sl;
    };
    const auto dense = [&](int in, int out) {
      return Layer{add({in, out}, in, out, false), add({out}, in, out, true)};
    };
    const auto head = [&](int in, int out) {
      return Layer{add({heads, in, out}, in, out, false), add({heads, out}, in, out, true)};
    };
    p1 = dense(obs_dim, hidden);
    p2 = dense(hidden, hidden);
    h1 = head(hidden, actions);
    h2 = head(actions, actions);
    h3 = head(actions, actions);
    v1 = dense(obs_dim, hidden);
    v2 = dense(hidden, hidden);
    v3 = dense(hidden, hidden);
    v4 = dense(hidden, 1);
    flat = register_parameter("flat", torch::from_blob(init.data(), {int64_t(init.size())}, torch::kFloat32).clone());
  }

  // obs [B, D] -> probabilities [B, H, A] and values [B].
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& obs) {
    torch::Tensor x = torch::tanh(torch::addmm(B(p1), obs, W(p1)));
    x = torch::tanh(torch::addmm(B(p2), x, W(p2)));
    // [B, D] x [H, D, A] -> [H, B, A] -> [B, H, A]
    torch::Tensor h = torch::tanh(torch::matmul(x, W(h1)) + B(h1).unsqueeze(1));
    h = torch::tanh(torch::bmm(h, W(h2)) + B(h2).unsqueeze(1));
    h = torch::bmm(h / temperature, W(h3)) + B(h3).unsqueeze(1);
    torch::Tensor probs = torch::softmax(h, -1).transpose(0, 1);
    torch::Tensor v = torch::tanh(torch::addmm(B(v1), obs, W(v1)));
    v = torch::tanh(torch::addmm(B(v2), v, W(v2)));
    v = torch::tanh(torch::addmm(B(v3), v, W(v3)));
    v = torch::addmm(B(v4), v, W(v4)).squeeze(-1);
    return {probs, v};
  }

  struct Slice {
    int64_t offset;
    std::vector<int64_t> shape;
  };
  struct Layer {
    Slice w, b;
  };
  torch::Tensor View(const Slice& s) {
    int64_t n = 1;
    for (int64_t d : s.shape) n *= d;
    return flat.narrow(0, s.offset, n).view(s.shape);
  }
  torch::Tensor W(const Layer& l) { return View(l.w); }
  torch::Tensor B(const Layer& l) { return View(l.b); }

  Layer p1, p2, h1, h2, h3, v1, v2, v3, v4;
  torch::Tensor flat;
  double temperature;
};
TORCH_MODULE(Policy);

}  // namespace

struct PpoAgent::Impl {
  Impl(int d, int h, int a, const PpoParams& params, Rng& rng)
      : obs_dim(d),
        heads(h),
        actions(a),
        p(params),
        policy(d, h, a, params.hidden, params.temperature, rng),
        old_policy(d, h, a, params.hidden, params.temperature, rng),
        optimizer(policy->parameters(), torch::optim::AdamOptions(params.learning_rate).eps(1e-5)) {}

  torch::Tensor Tensor(std::span<const float> v, int64_t rows, int64_t cols) {
    return torch::from_blob(const_cast<float*>(v.data()), {rows, cols}, torch::kFloat32);
  }

  int obs_dim, heads, actions;
  PpoParams p;
  Policy policy, old_policy;
  torch::optim::Adam optimizer;
};

PpoAgent::PpoAgent(int obs_dim, int heads, int actions, const PpoParams& p, uint64_t seed) {
  // One intra-op thread: the networks are tiny, and results stay bit-identical from run to run.
  torch::set_num_threads(1);
  Rng rng(seed);
  impl_ = std::make_unique<Impl>(obs_dim, heads, actions, p, rng);
  Snapshot();
}

PpoAgent::~PpoAgent() = default;

void PpoAgent::Snapshot() {
  torch::NoGradGuard no_grad;
  const auto src = impl_->policy->parameters();
  auto dst = impl_->old_policy->parameters();
  for (size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
}

void PpoAgent::Act(std::span<const float> obs, int batch, Rng& rng, std::vector<int32_t>& actions,
                   std::vector<float>& values) {
  torch::NoGradGuard no_grad;
  auto [probs, v] = impl_->policy->forward(impl_->Tensor(obs, batch, impl_->obs_dim));
  probs = probs.contiguous();
  const float* pr = probs.data_ptr<float>();
  const int h = impl_->heads, a = impl_->actions;
  actions.assign(size_t(batch) * size_t(h), 0);
  for (int b = 0; b < batch; ++b)
    for (int k = 0; k < h; ++k) {
      const float* row = pr + (size_t(b) * size_t(h) + size_t(k)) * size_t(a);
      double x = rng.Uniform();
      int pick = a - 1;
      for (int j = 0; j < a; ++j) {
        if (x < double(row[j])) {
          pick = j;
          break;
        }
        x -= double(row[j]);
      }
      actions[size_t(b) * size_t(h) + size_t(k)] = pick;
    }
  const float* vv = v.data_ptr<float>();
  values.assign(vv, vv + batch);
}

void PpoAgent::Learn(std::span<const float> obs, std::span<const int32_t> actions, std::span<const float> values,
                     std::span<const float> rewards, Rng& rng) {
  const int64_t t_len = int64_t(rewards.size());
  if (t_len == 0) return;
  const PpoParams& p = impl_->p;
  // Generalized advantage estimates over the trajectory, and TD(0) value targets.
  std::vector<float> v_next(static_cast<size_t>(t_len), 0.0f), gae(static_cast<size_t>(t_len));
  for (int64_t t = 0; t + 1 < t_len; ++t) v_next[size_t(t)] = values[size_t(t + 1)];
  double running = 0;
  for (int64_t t = t_len - 1; t >= 0; --t) {
    const double delta = double(rewards[size_t(t)]) + p.gamma * double(v_next[size_t(t)]) - double(values[size_t(t)]);
    running = delta + p.gamma * p.lambda * running;
    gae[size_t(t)] = float(running);
  }
  double mean = 0, var = 0;
  for (float g : gae) mean += double(g);
  mean /= double(t_len);
  for (float g : gae) var += (double(g) - mean) * (double(g) - mean);
  const double sd = std::sqrt(var / double(t_len));
  for (float& g : gae) g = float((double(g) - mean) / (sd > 1e-8 ? sd : 1.0));

  for (int epoch = 0; epoch < p.epochs; ++epoch) {
    const int64_t b = p.minibatch;
    std::vector<int64_t> idx(static_cast<size_t>(b));
    for (int64_t& i : idx) i = int64_t(rng.Below(uint64_t(t_len)));
    std::vector<float> ob(static_cast<size_t>(b * impl_->obs_dim)), r(static_cast<size_t>(b)),
        vn(static_cast<size_t>(b)), g(static_cast<size_t>(b));
    std::vector<int64_t> ac(static_cast<size_t>(b * impl_->heads));
    for (int64_t j = 0; j < b; ++j) {
      const size_t s = size_t(idx[size_t(j)]);
      std::copy_n(obs.begin() + ptrdiff_t(s) * impl_->obs_dim, impl_->obs_dim, ob.begin() + j * impl_->obs_dim);
      for (int k = 0; k < impl_->heads; ++k)
        ac[size_t(j * impl_->heads + k)] = actions[s * size_t(impl_->heads) + size_t(k)];
      r[size_t(j)] = rewards[s];
      vn[size_t(j)] = v_next[s];
      g[size_t(j)] = gae[s];
    }
    const torch::Tensor obs_t = torch::from_blob(ob.data(), {b, impl_->obs_dim}, torch::kFloat32);
    const torch::Tensor act_t = torch::from_blob(ac.data(), {b, impl_->heads, 1}, torch::kInt64);
    const torch::Tensor r_t = torch::from_blob(r.data(), {b}, torch::kFloat32);
    const torch::Tensor vn_t = torch::from_blob(vn.data(), {b}, torch::kFloat32);
    const torch::Tensor g_t = torch::from_blob(g.data(), {b, 1}, torch::kFloat32);

    torch::Tensor old_probs;
    {
      torch::NoGradGuard no_grad;
      old_probs = impl_->old_policy->forward(obs_t).first;
    }
    auto [probs, v] = impl_->policy->forward(obs_t);
    const torch::Tensor p_a = probs.gather(2, act_t).squeeze(-1);  // [B, H]
    const torch::Tensor p_old = old_probs.gather(2, act_t).squeeze(-1);
    const torch::Tensor ratio = torch::exp(torch::log(p_a.clamp_min(1e-10)) - torch::log(p_old.clamp_min(1e-10)));
    const torch::Tensor clipped = ratio.clamp(1 - p.clip, 1 + p.clip);
    const torch::Tensor surrogate = torch::min(g_t * ratio, g_t * clipped).mean(0).sum();
    const torch::Tensor entropy = (-(probs * torch::log(probs.clamp(1e-10, 1.0))).sum(-1)).mean(0).sum();
    const torch::Tensor value_loss = (r_t + p.gamma * vn_t - v).pow(2).mean();
    const torch::Tensor loss = -(surrogate + p.entropy_coeff * entropy - p.value_coeff * value_loss);
    impl_->optimizer.zero_grad();
    loss.backward();
    impl_->optimizer.step();
  }
}

std::vector<float> PpoAgent::Probabilities(std::span<const float> obs, int batch) {
  torch::NoGradGuard no_grad;
  const torch::Tensor probs = impl_->policy->forward(impl_->Tensor(obs, batch, impl_->obs_dim)).first.contiguous();
  return std::vector<float>(probs.data_ptr<float>(), probs.data_ptr<float>() + probs.numel());
}

}  // namespace dcoc::agents::chameleon
