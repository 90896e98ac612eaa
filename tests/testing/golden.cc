// Copyright 2026 The tenas Authors.

#include "testing/golden.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>
#include <iterator>
#include <stdexcept>

namespace tenas::testing {

const at::Tensor& GoldenFixture::Get(const std::string& name) const {
  auto it = tensors.find(name);
  if (it == tensors.end()) throw std::out_of_range("no golden tensor " + name);
  return it->second;
}

GoldenFixture LoadGolden(const std::string& name) {
  GoldenFixture fixture;
  const std::string dir = GoldenDir() + "/" + name;
  std::ifstream manifest_in(dir + "/manifest.json");
  if (!manifest_in) {
    ADD_FAILURE() << "missing golden fixture " << dir;
    return fixture;
  }
  fixture.manifest = nlohmann::json::parse(manifest_in);
  std::ifstream bin(dir + "/tensors.bin", std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(bin)),
                          std::istreambuf_iterator<char>());
  for (const auto& t : fixture.manifest["tensors"]) {
    std::vector<int64_t> shape = t["shape"].get<std::vector<int64_t>>();
    const int64_t offset = t["offset"].get<int64_t>();
    const int64_t numel = t["numel"].get<int64_t>();
    if (offset + numel * 4 > static_cast<int64_t>(bytes.size())) {
      ADD_FAILURE() << "golden tensor out of range: " << t["name"];
      continue;
    }
    at::Tensor tensor = torch::empty(shape, torch::kFloat32);
    std::memcpy(tensor.data_ptr<float>(), bytes.data() + offset, numel * 4);
    const std::string tname = t["name"].get<std::string>();
    fixture.tensors[tname] = tensor;
    if (t["role"] == "param") fixture.param_names.push_back(tname);
  }
  return fixture;
}

}  // namespace tenas::testing
