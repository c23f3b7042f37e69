// The only translation unit of the DCOC agents that includes <torch/torch.h>.
#include "agents/dcoc/networks.h"

#include <torch/torch.h>

#include <cmath>
#include <numeric>

#include "host/common/error.h"

namespace dcoc::agents::codesign {

namespace {

// Glorot-uniform weights and zero biases from our generator (TensorFlow's dense defaults).
torch::nn::Linear Dense(int in, int out, Rng& rng) {
  torch::nn::Linear l(in, out);
  torch::NoGradGuard no_grad;
  const double bound = std::sqrt(6.0 / double(in + out));
  std::vector<float> w(size_t(in) * size_t(out));
  for (float& v : w) v = float((2 * rng.Uniform() - 1) * bound);
  l->weight.copy_(torch::from_blob(w.data(), {out, in}, torch::kFloat32));
  l->bias.zero_();
  return l;
}

torch::Tensor Rows(std::span<const float> v, int64_t rows) {
  const int64_t cols = rows ? int64_t(v.size()) / rows : 0;
  return torch::from_blob(const_cast<float*>(v.data()), {rows, cols}, torch::kFloat32);
}

// Rows `idx` of a row-major float array with `cols` columns, into `out` (idx.size() x cols).
void GatherTo(std::span<const float> v, size_t cols, const std::vector<int64_t>& idx, float* out) {
  for (size_t j = 0; j < idx.size(); ++j)
    std::copy_n(v.begin() + ptrdiff_t(size_t(idx[j]) * cols), cols, out + j * cols);
}

std::vector<float> Gather(std::span<const float> v, size_t cols, const std::vector<int64_t>& idx) {
  std::vector<float> out(idx.size() * cols);
  GatherTo(v, cols, idx, out.data());
  return out;
}

template <typename T>
std::vector<T> GatherRows(std::span<const T> v, size_t cols, const std::vector<int64_t>& idx) {
  std::vector<T> out(idx.size() * cols);
  for (size_t j = 0; j < idx.size(); ++j)
    std::copy_n(v.begin() + ptrdiff_t(size_t(idx[j]) * cols), cols, out.begin() + ptrdiff_t(j * cols));
  return out;
}

void SaveModule(torch::nn::Module& m, torch::optim::Optimizer& opt, std::ostream& out) {
  torch::serialize::OutputArchive a;
  m.save(a);
  torch::serialize::OutputArchive o;
  opt.save(o);
  a.write("optimizer", o);
  a.save_to(out);
}

void LoadModule(torch::nn::Module& m, torch::optim::Optimizer& opt, std::istream& in) {
  torch::serialize::InputArchive a;
  a.load_from(in);
  m.load(a);
  torch::serialize::InputArchive o;
  a.read("optimizer", o);
  opt.load(o);
}

}  // namespace

// ---------------------------------------------------------------------------------------------- Actor

struct PolicyNet : torch::nn::Module {
  PolicyNet(int obs, int hidden, int out, Rng& rng)
      : l1(register_module("l1", Dense(obs, hidden, rng))),
        l2(register_module("l2", Dense(hidden, hidden, rng))),
        l3(register_module("l3", Dense(hidden, out, rng))) {}
  torch::Tensor forward(const torch::Tensor& x) { return l3(torch::tanh(l2(torch::tanh(l1(x))))); }
  torch::nn::Linear l1, l2, l3;
};

struct Actor::Impl {
  Impl(int obs, std::vector<int> sizes, int hidden, double lr, Rng& rng)
      : obs_dim(obs),
        heads(std::move(sizes)),
        total(std::accumulate(heads.begin(), heads.end(), 0)),
        net(obs, hidden, total, rng),
        optimizer(net.parameters(), torch::optim::AdamOptions(lr).eps(1e-5)) {}

  // Per-head log-probabilities [B, total] with the values beyond each row's count masked out.
  torch::Tensor LogProbs(const torch::Tensor& obs, std::span<const int32_t> cards, int64_t batch) {
    std::vector<float> mask(size_t(batch) * size_t(total), 0.0f);
    for (int64_t b = 0; b < batch; ++b) {
      int off = 0;
      for (size_t h = 0; h < heads.size(); ++h) {
        const int c = cards[size_t(b) * heads.size() + h];
        if (c < 1 || c > heads[h])
          throw Error("dcoc actor: value count " + std::to_string(c) + " outside [1, " + std::to_string(heads[h]) +
                      "] for head " + std::to_string(h));
        for (int j = c; j < heads[h]; ++j) mask[size_t(b) * size_t(total) + size_t(off + j)] = -1e9f;
        off += heads[h];
      }
    }
    const torch::Tensor logits = net.forward(obs) + torch::from_blob(mask.data(), {batch, total}).clone();
    std::vector<torch::Tensor> parts;
    int off = 0;
    for (int s : heads) {
      parts.push_back(torch::log_softmax(logits.narrow(1, off, s), 1));
      off += s;
    }
    return torch::cat(parts, 1);
  }

  // Sum over heads of the chosen actions' log-probabilities [B], and the summed entropy [B].
  std::pair<torch::Tensor, torch::Tensor> Evaluate(const torch::Tensor& lp, std::span<const int32_t> actions,
                                                   int64_t batch) {
    std::vector<int64_t> flat(size_t(batch) * heads.size());
    for (int64_t b = 0; b < batch; ++b) {
      int off = 0;
      for (size_t h = 0; h < heads.size(); ++h) {
        flat[size_t(b) * heads.size() + h] = off + actions[size_t(b) * heads.size() + h];
        off += heads[h];
      }
    }
    const torch::Tensor idx = torch::from_blob(flat.data(), {batch, int64_t(heads.size())}, torch::kInt64).clone();
    const torch::Tensor chosen = lp.gather(1, idx).sum(1);
    const torch::Tensor p = torch::exp(lp);
    const torch::Tensor entropy = -(p * lp.clamp_min(-1e4)).sum(1);
    return {chosen, entropy};
  }

  int obs_dim;
  std::vector<int> heads;
  int total;
  PolicyNet net;
  torch::optim::Adam optimizer;
};

Actor::Actor(int obs_dim, std::vector<int> head_sizes, int hidden, double learning_rate, Rng& init) {
  torch::set_num_threads(1);
  impl_ = std::make_unique<Impl>(obs_dim, std::move(head_sizes), hidden, learning_rate, init);
}
Actor::~Actor() = default;

int Actor::NumHeads() const { return int(impl_->heads.size()); }

void Actor::Act(std::span<const float> obs, std::span<const int32_t> cards, int batch, Rng& rng,
                std::vector<int32_t>& actions, std::vector<float>& log_prob) {
  torch::NoGradGuard no_grad;
  const torch::Tensor lp = impl_->LogProbs(Rows(obs, batch), cards, batch).contiguous();
  const float* l = lp.data_ptr<float>();
  const size_t nh = impl_->heads.size(), total = size_t(impl_->total);
  actions.assign(size_t(batch) * nh, 0);
  log_prob.assign(size_t(batch), 0.0f);
  for (size_t b = 0; b < size_t(batch); ++b) {
    size_t off = 0;
    for (size_t h = 0; h < nh; ++h) {
      const int c = cards[b * nh + h];
      double x = rng.Uniform();
      int pick = c - 1;
      for (int j = 0; j < c; ++j) {
        const double p = std::exp(double(l[b * total + off + size_t(j)]));
        if (x < p) {
          pick = j;
          break;
        }
        x -= p;
      }
      actions[b * nh + h] = pick;
      log_prob[b] += l[b * total + off + size_t(pick)];
      off += size_t(impl_->heads[h]);
    }
  }
}

std::vector<float> Actor::LogProb(std::span<const float> obs, std::span<const int32_t> cards,
                                  std::span<const int32_t> actions, int batch) {
  torch::NoGradGuard no_grad;
  const torch::Tensor lp = impl_->LogProbs(Rows(obs, batch), cards, batch);
  const torch::Tensor chosen = impl_->Evaluate(lp, actions, batch).first.contiguous();
  return std::vector<float>(chosen.data_ptr<float>(), chosen.data_ptr<float>() + batch);
}

void Actor::Learn(std::span<const float> obs, std::span<const int32_t> cards, std::span<const int32_t> actions,
                  std::span<const float> old_log_prob, std::span<const float> advantages, int epochs, int minibatch,
                  double clip, double entropy_coeff, Rng& rng) {
  const int64_t n = int64_t(advantages.size());
  if (n == 0) return;
  const size_t nh = impl_->heads.size();
  for (int e = 0; e < epochs; ++e) {
    std::vector<int64_t> idx(size_t(std::min<int64_t>(minibatch, n)));
    for (int64_t& i : idx) i = int64_t(rng.Below(uint64_t(n)));
    const int64_t b = int64_t(idx.size());
    std::vector<float> ob = Gather(obs, size_t(impl_->obs_dim), idx);
    const std::vector<int32_t> cd = GatherRows(cards, nh, idx), ac = GatherRows(actions, nh, idx);
    std::vector<float> old = Gather(old_log_prob, 1, idx), adv = Gather(advantages, 1, idx);
    const torch::Tensor lp = impl_->LogProbs(Rows(ob, b), cd, b);
    auto [chosen, entropy] = impl_->Evaluate(lp, ac, b);
    const torch::Tensor ratio = torch::exp(chosen - torch::from_blob(old.data(), {b}));
    const torch::Tensor a = torch::from_blob(adv.data(), {b});
    const torch::Tensor surrogate = torch::min(ratio * a, ratio.clamp(1 - clip, 1 + clip) * a).mean();
    const torch::Tensor loss = -(surrogate + entropy_coeff * entropy.mean());
    impl_->optimizer.zero_grad();
    loss.backward();
    impl_->optimizer.step();
  }
}

void Actor::Save(std::ostream& out) const { SaveModule(impl_->net, impl_->optimizer, out); }
void Actor::Load(std::istream& in) { LoadModule(impl_->net, impl_->optimizer, in); }

// ----------------------------------------------------------------------------------------- CostCritic

struct CostCriticNet : torch::nn::Module {
  CostCriticNet(int in, int hidden, int heads, Rng& rng)
      : e1(register_module("e1", Dense(in, hidden, rng))),
        e2(register_module("e2", Dense(hidden, hidden, rng))),
        cost(register_module("cost", Dense(hidden, heads, rng))),
        c1(register_module("c1", Dense(hidden, hidden, rng))),
        c2(register_module("c2", Dense(hidden, 1, rng))) {}
  torch::Tensor Encode(const torch::Tensor& x) { return torch::tanh(e2(torch::tanh(e1(x)))); }
  torch::Tensor Cost(const torch::Tensor& z) { return cost(z); }                              // [B, heads]
  torch::Tensor Critic(const torch::Tensor& z) { return c2(torch::tanh(c1(z))).squeeze(1); }  // [B]
  torch::nn::Linear e1, e2, cost, c1, c2;
};

struct CostCritic::Impl {
  Impl(int in, int hidden, int heads, double lr, Rng& rng)
      : input_dim(in),
        cost_heads(heads),
        net(in, hidden, heads, rng),
        optimizer(net.parameters(), torch::optim::AdamOptions(lr).eps(1e-5)) {}
  int input_dim, cost_heads;
  CostCriticNet net;
  torch::optim::Adam optimizer;
};

CostCritic::CostCritic(int input_dim, int hidden, int cost_heads, double learning_rate, Rng& init) {
  torch::set_num_threads(1);
  impl_ = std::make_unique<Impl>(input_dim, hidden, cost_heads, learning_rate, init);
}
CostCritic::~CostCritic() = default;

void CostCritic::Predict(std::span<const float> x, int batch, std::vector<float>& mean, std::vector<float>& spread) {
  torch::NoGradGuard no_grad;
  const torch::Tensor c = impl_->net.Cost(impl_->net.Encode(Rows(x, batch)));
  const torch::Tensor m = c.mean(1).contiguous();
  const torch::Tensor s = c.std(1, /*unbiased=*/false).contiguous();
  mean.assign(m.data_ptr<float>(), m.data_ptr<float>() + batch);
  spread.assign(s.data_ptr<float>(), s.data_ptr<float>() + batch);
}

std::vector<float> CostCritic::Value(std::span<const float> x, int batch) {
  torch::NoGradGuard no_grad;
  const torch::Tensor v = impl_->net.Critic(impl_->net.Encode(Rows(x, batch))).contiguous();
  return std::vector<float>(v.data_ptr<float>(), v.data_ptr<float>() + batch);
}

CostCritic::Losses CostCritic::Train(const CostExamples& cost, const CriticExamples& critic, int steps, int minibatch,
                                     double critic_coeff, Rng& rng) {
  Losses out;
  const size_t d = size_t(impl_->input_dim), k = size_t(impl_->cost_heads);
  const int64_t nc = int64_t(cost.target.size()), nr = int64_t(critic.reward.size());
  const bool use_cost = nc > 0, use_critic = nr > 0 && critic_coeff > 0;
  if (!use_cost && !use_critic) return out;
  for (int s = 0; s < steps; ++s) {
    // One encoder pass over both minibatches (cost rows first, then critic rows): the same per-row math
    // as two passes, at half the operations (the networks are small: a step's time is per-operation
    // overhead). The vectors outlive backward(), so the tensors view them without copies.
    std::vector<int64_t> ic(use_cost ? size_t(std::min<int64_t>(minibatch, nc)) : 0);
    for (int64_t& i : ic) i = int64_t(rng.Below(uint64_t(nc)));
    std::vector<int64_t> ir(use_critic ? size_t(std::min<int64_t>(minibatch, nr)) : 0);
    for (int64_t& i : ir) i = int64_t(rng.Below(uint64_t(nr)));
    const int64_t bc = int64_t(ic.size()), br = int64_t(ir.size());
    std::vector<float> x(size_t(bc + br) * d);
    GatherTo(cost.x, d, ic, x.data());
    GatherTo(critic.x, d, ir, x.data() + size_t(bc) * d);
    const torch::Tensor z = impl_->net.Encode(Rows(x, bc + br));
    torch::Tensor loss = torch::zeros({});
    std::vector<float> y, m, ub, r;
    if (bc > 0) {
      y = Gather(cost.target, 1, ic);
      m = Gather(cost.head_mask, k, ic);
      for (int64_t i : ic) ub.push_back(cost.upper_bound_only[size_t(i)] ? 1.0f : 0.0f);
      const torch::Tensor pred = impl_->net.Cost(z.narrow(0, 0, bc));  // [B, K]
      const torch::Tensor diff = pred - torch::from_blob(y.data(), {bc, 1});
      const torch::Tensor bound = torch::from_blob(ub.data(), {bc, 1});
      // A lower bound on cycles is an upper bound on throughput: only overestimates are errors.
      const torch::Tensor err = bound * torch::relu(diff) + (1 - bound) * diff;
      const torch::Tensor mask = torch::from_blob(m.data(), {bc, int64_t(k)});
      const torch::Tensor l = (err.pow(2) * mask).sum() / mask.sum().clamp_min(1);
      out.cost = l.item<double>();
      loss = loss + l;
    }
    if (br > 0) {
      r = Gather(critic.reward, 1, ir);
      const torch::Tensor q = impl_->net.Critic(z.narrow(0, bc, br));
      const torch::Tensor l = (q - torch::from_blob(r.data(), {br})).pow(2).mean();
      out.critic = l.item<double>();
      loss = loss + critic_coeff * l;
    }
    impl_->optimizer.zero_grad();
    loss.backward();
    impl_->optimizer.step();
  }
  return out;
}

void CostCritic::Save(std::ostream& out) const { SaveModule(impl_->net, impl_->optimizer, out); }
void CostCritic::Load(std::istream& in) { LoadModule(impl_->net, impl_->optimizer, in); }

}  // namespace dcoc::agents::codesign
