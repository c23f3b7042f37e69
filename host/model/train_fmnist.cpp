// dcoc_train_fmnist: trains the small Fashion-MNIST CNN in LibTorch and exports it to ONNX with
// OnnxWriter (LibTorch has no ONNX exporter), then checks the export: dcoc's importer and float executor
// must reproduce LibTorch's test-set predictions. The only translation unit of host/model that includes
// <torch/torch.h>; built with -DDCOC_WITH_TORCH=ON.
//
//   image [N,1,28,28] (pixel / 255)
//   -> Conv 3x3 16 + BatchNorm + ReLU -> MaxPool 2   (16 x 14 x 14)
//   -> Conv 3x3 32 + BatchNorm + ReLU -> MaxPool 2   (32 x 7 x 7)
//   -> Flatten -> Gemm 1568 -> 10 -> logits
#include <fmt/format.h>
#include <torch/torch.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>

#include "host/common/error.h"
#include "host/model/dataset.h"
#include "host/model/float_exec.h"
#include "host/model/onnx_import.h"
#include "host/model/onnx_writer.h"

namespace {

using dcoc::model::ImageSet;

struct FmnistNetImpl : torch::nn::Module {
  FmnistNetImpl()
      : conv1(torch::nn::Conv2dOptions(1, 16, 3).padding(1)),
        bn1(16),
        conv2(torch::nn::Conv2dOptions(16, 32, 3).padding(1)),
        bn2(32),
        fc(32 * 7 * 7, 10) {
    register_module("conv1", conv1);
    register_module("bn1", bn1);
    register_module("conv2", conv2);
    register_module("bn2", bn2);
    register_module("fc", fc);
  }
  torch::Tensor forward(torch::Tensor x) {
    x = torch::max_pool2d(torch::relu(bn1(conv1(x))), 2);
    x = torch::max_pool2d(torch::relu(bn2(conv2(x))), 2);
    return fc(x.flatten(1));
  }
  torch::nn::Conv2d conv1;
  torch::nn::BatchNorm2d bn1;
  torch::nn::Conv2d conv2;
  torch::nn::BatchNorm2d bn2;
  torch::nn::Linear fc;
};
TORCH_MODULE(FmnistNet);

torch::Tensor Images(const ImageSet& s) {
  return torch::from_blob(const_cast<uint8_t*>(s.pixels.data()), {s.count, 1, s.rows, s.cols}, torch::kUInt8)
      .to(torch::kFloat32)
      .div(255.0);
}
torch::Tensor Labels(const ImageSet& s) {
  return torch::from_blob(const_cast<uint8_t*>(s.labels.data()), {s.count}, torch::kUInt8).to(torch::kInt64);
}

dcoc::model::Tensor ToDcoc(const torch::Tensor& t) {
  const torch::Tensor c = t.detach().contiguous().to(torch::kFloat32);
  dcoc::model::Shape shape(c.sizes().begin(), c.sizes().end());
  const float* p = c.data_ptr<float>();
  return dcoc::model::Tensor(shape, std::vector<float>(p, p + c.numel()));
}

void Export(FmnistNet& net, const std::filesystem::path& path) {
  dcoc::model::OnnxWriter w("fashion_mnist_cnn", 13);
  w.Input("image", {-1, 1, 28, 28});
  auto conv = [&](const std::string& name, torch::nn::Conv2d& c, const std::string& in, const std::string& out) {
    w.Initializer(name + ".weight", ToDcoc(c->weight));
    w.Initializer(name + ".bias", ToDcoc(c->bias));
    w.Node("Conv", {in, name + ".weight", name + ".bias"}, {out}, name,
           {{"kernel_shape", std::vector<int64_t>{3, 3}}, {"pads", std::vector<int64_t>{1, 1, 1, 1}}});
  };
  auto bn = [&](const std::string& name, torch::nn::BatchNorm2d& b, const std::string& in, const std::string& out) {
    w.Initializer(name + ".weight", ToDcoc(b->weight));
    w.Initializer(name + ".bias", ToDcoc(b->bias));
    w.Initializer(name + ".running_mean", ToDcoc(b->running_mean));
    w.Initializer(name + ".running_var", ToDcoc(b->running_var));
    w.Node("BatchNormalization", {in, name + ".weight", name + ".bias", name + ".running_mean", name + ".running_var"},
           {out}, name, {{"epsilon", float(b->options.eps())}});
  };
  const dcoc::model::OnnxAttr pool_k{"kernel_shape", std::vector<int64_t>{2, 2}};
  const dcoc::model::OnnxAttr pool_s{"strides", std::vector<int64_t>{2, 2}};
  conv("conv1", net->conv1, "image", "c1");
  bn("bn1", net->bn1, "c1", "b1");
  w.Node("Relu", {"b1"}, {"r1"}, "relu1");
  w.Node("MaxPool", {"r1"}, {"p1"}, "pool1", {pool_k, pool_s});
  conv("conv2", net->conv2, "p1", "c2");
  bn("bn2", net->bn2, "c2", "b2");
  w.Node("Relu", {"b2"}, {"r2"}, "relu2");
  w.Node("MaxPool", {"r2"}, {"p2"}, "pool2", {pool_k, pool_s});
  w.Node("Flatten", {"p2"}, {"f"}, "flatten", {{"axis", int64_t(1)}});
  w.Initializer("fc.weight", ToDcoc(net->fc->weight));
  w.Initializer("fc.bias", ToDcoc(net->fc->bias));
  w.Node("Gemm", {"f", "fc.weight", "fc.bias"}, {"logits"}, "fc", {{"transB", int64_t(1)}});
  w.Output("logits");
  w.Save(path);
}

int Run(int argc, char** argv) {
  std::string data = std::string(dcoc::model::kFashionMnistDir), out = "fmnist_cnn.onnx", checkpoint;
  int epochs = 4, batch = 128;
  double lr = 2e-3;
  uint64_t seed = 1;
  int threads = 2;
  CLI::App app{"Train the small Fashion-MNIST CNN in LibTorch and export it to ONNX (checked against dcoc's importer)"};
  app.add_option("--data", data, "Directory of the IDX files")->capture_default_str();
  app.add_option("-o,--out", out, "ONNX file to write")->capture_default_str();
  app.add_option("--epochs", epochs, "Training epochs")->capture_default_str();
  app.add_option("--batch", batch, "Minibatch size")->capture_default_str();
  app.add_option("--lr", lr, "Adam learning rate (halved after each epoch)")->capture_default_str();
  app.add_option("--seed", seed, "Seed of initialization and shuffling")->capture_default_str();
  app.add_option("--threads", threads, "CPU threads")->capture_default_str();
  app.add_option("--checkpoint", checkpoint,
                 "Directory to save the model and optimizer state (model.pt, optimizer.pt)");
  CLI11_PARSE(app, argc, argv);

  torch::manual_seed(seed);
  torch::set_num_threads(threads);
  const torch::Device device(torch::kCPU);
  const ImageSet train = dcoc::model::LoadIdx(data, "train"), test = dcoc::model::LoadIdx(data, "t10k");
  const torch::Tensor xtr = Images(train), ytr = Labels(train), xte = Images(test), yte = Labels(test);
  FmnistNet net;
  net->to(device);
  torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(lr));
  auto evaluate = [&](torch::Tensor& preds) {
    torch::NoGradGuard ng;
    net->eval();
    preds = net->forward(xte).argmax(1);
    return preds.eq(yte).sum().item<int64_t>();
  };
  for (int e = 0; e < epochs; ++e) {
    const auto t0 = std::chrono::steady_clock::now();
    net->train();
    const torch::Tensor perm = torch::randperm(train.count, torch::TensorOptions().dtype(torch::kInt64));
    double loss_sum = 0;
    int64_t steps = 0;
    for (int64_t i = 0; i < train.count; i += batch) {
      const torch::Tensor idx = perm.slice(0, i, std::min<int64_t>(i + batch, train.count));
      const torch::Tensor x = xtr.index_select(0, idx), y = ytr.index_select(0, idx);
      opt.zero_grad();
      const torch::Tensor loss = torch::nn::functional::cross_entropy(net->forward(x), y);
      loss.backward();
      opt.step();
      loss_sum += loss.item<double>();
      ++steps;
    }
    for (auto& g : opt.param_groups())
      static_cast<torch::optim::AdamOptions&>(g.options())
          .lr(static_cast<torch::optim::AdamOptions&>(g.options()).lr() * 0.5);
    torch::Tensor preds;
    const int64_t correct = evaluate(preds);
    fmt::print("epoch {}: loss {:.4f}, test accuracy {:.2f}% ({:.0f} s)\n", e + 1, loss_sum / double(steps),
               100.0 * double(correct) / double(test.count),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  torch::Tensor preds;
  const int64_t correct = evaluate(preds);
  if (!checkpoint.empty()) {
    std::filesystem::create_directories(checkpoint);
    torch::save(net, (std::filesystem::path(checkpoint) / "model.pt").string());
    torch::save(opt, (std::filesystem::path(checkpoint) / "optimizer.pt").string());
  }
  Export(net, out);
  // The export, read back by dcoc, must predict what LibTorch predicts.
  const dcoc::model::Graph g = dcoc::model::LoadOnnx(out, dcoc::model::ImportOptions{1000});
  int64_t agree = 0, onnx_correct = 0;
  for (int64_t i = 0; i < test.count; i += 1000) {
    const std::vector<dcoc::model::Tensor> y =
        dcoc::model::RunFloat(g, std::vector<dcoc::model::Tensor>{dcoc::model::ImageBatch(test, i, 1000)});
    for (int64_t n = 0; n < 1000 && i + n < test.count; ++n) {
      const float* row = &y[0].data[size_t(n * 10)];
      const int64_t cls = std::max_element(row, row + 10) - row;
      agree += cls == preds[i + n].item<int64_t>();
      onnx_correct += cls == int64_t(test.labels[size_t(i + n)]);
    }
  }
  fmt::print(
      "{}: {} bytes; test accuracy {:.2f}% in LibTorch, {:.2f}% through dcoc's importer ({} of {} predictions "
      "agree)\n",
      out, std::filesystem::file_size(out), 100.0 * double(correct) / double(test.count),
      100.0 * double(onnx_correct) / double(test.count), agree, test.count);
  if (test.count - agree > test.count / 1000)
    throw dcoc::Error(fmt::format("the exported model disagrees with LibTorch on {} images", test.count - agree));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const dcoc::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: internal: {}\n", e.what());
    return 2;
  }
}
