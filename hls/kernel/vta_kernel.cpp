// The VTA++ kernel: fetch, load, compute and store, each instruction executed as docs/semantics.md
// defines it (the same loop nests fsim documents). Scratchpad and DRAM accesses are bounds-checked:
// a bad access is skipped and reported in KernelStatus, as the RTL reports it in its ERROR register.
#include "vta_kernel.h"

// ---- decoding ------------------------------------------------------------------------------------------

static uint64_t Field(const insn_T& w, int lsb, int bits) { return w.range(lsb + bits - 1, lsb).to_uint64(); }

static int64_t SignedField(const insn_T& w, int lsb, int bits) {
  const uint64_t v = Field(w, lsb, bits);
  const uint64_t sign = uint64_t(1) << (bits - 1);
  return int64_t(v ^ sign) - int64_t(sign);
}

struct Flags {
  int opcode;
  bool pop_prev, pop_next, push_prev, push_next;
};

static Flags DecodeFlags(const insn_T& w) {
  Flags f;
  f.opcode = int(Field(w, kOpcodeLsb, kOpcodeBits));
  f.pop_prev = Field(w, kPopPrevLsb, 1) != 0;
  f.pop_next = Field(w, kPopNextLsb, 1) != 0;
  f.push_prev = Field(w, kPushPrevLsb, 1) != 0;
  f.push_next = Field(w, kPushNextLsb, 1) != 0;
  return f;
}

struct MemInsn {
  Flags f;
  int type;
  uint64_t sram_base, dram_base;
  bool pad_min;
  uint64_t y_size, x_size, x_stride, y_pad_0, y_pad_1, x_pad_0, x_pad_1;

  uint64_t RowsY() const { return y_pad_0 + y_size + y_pad_1; }
  uint64_t RowsX() const { return x_pad_0 + x_size + x_pad_1; }
  bool Empty() const { return y_size == 0 || x_size == 0; }
  bool IsData(uint64_t y, uint64_t x) const {
    return y >= y_pad_0 && y < y_pad_0 + y_size && x >= x_pad_0 && x < x_pad_0 + x_size;
  }
  uint64_t DramRow(uint64_t y, uint64_t x) const { return dram_base + (y - y_pad_0) * x_stride + (x - x_pad_0); }
};

static MemInsn DecodeMem(const insn_T& w) {
  MemInsn in;
  in.f = DecodeFlags(w);
  in.type = int(Field(w, kMemMemoryTypeLsb, kMemMemoryTypeBits));
  in.sram_base = Field(w, kMemSramBaseLsb, kMemSramBaseBits);
  in.dram_base = Field(w, kMemDramBaseLsb, kMemDramBaseBits);
  in.pad_min = Field(w, kMemPadMinLsb, kMemPadMinBits) != 0;
  in.y_size = Field(w, kMemYSizeLsb, kMemYSizeBits);
  in.x_size = Field(w, kMemXSizeLsb, kMemXSizeBits);
  in.x_stride = Field(w, kMemXStrideLsb, kMemXStrideBits);
  in.y_pad_0 = Field(w, kMemYPad0Lsb, kMemYPad0Bits);
  in.y_pad_1 = Field(w, kMemYPad1Lsb, kMemYPad1Bits);
  in.x_pad_0 = Field(w, kMemXPad0Lsb, kMemXPad0Bits);
  in.x_pad_1 = Field(w, kMemXPad1Lsb, kMemXPad1Bits);
  return in;
}

struct ComputeInsn {
  Flags f;
  bool reset;
  uint64_t uop_bgn, uop_end, iter_out, iter_in;
  uint64_t dst_out, dst_in, src_out, src_in, wgt_out, wgt_in;
  int alu_op;
  bool use_imm;
  int64_t imm;
};

static ComputeInsn DecodeGemm(const insn_T& w) {
  ComputeInsn in;
  in.f = DecodeFlags(w);
  in.reset = Field(w, kGemmResetLsb, kGemmResetBits) != 0;
  in.uop_bgn = Field(w, kGemmUopBgnLsb, kGemmUopBgnBits);
  in.uop_end = Field(w, kGemmUopEndLsb, kGemmUopEndBits);
  in.iter_out = Field(w, kGemmIterOutLsb, kGemmIterOutBits);
  in.iter_in = Field(w, kGemmIterInLsb, kGemmIterInBits);
  in.dst_out = Field(w, kGemmDstFactorOutLsb, kGemmDstFactorOutBits);
  in.dst_in = Field(w, kGemmDstFactorInLsb, kGemmDstFactorInBits);
  in.src_out = Field(w, kGemmSrcFactorOutLsb, kGemmSrcFactorOutBits);
  in.src_in = Field(w, kGemmSrcFactorInLsb, kGemmSrcFactorInBits);
  in.wgt_out = Field(w, kGemmWgtFactorOutLsb, kGemmWgtFactorOutBits);
  in.wgt_in = Field(w, kGemmWgtFactorInLsb, kGemmWgtFactorInBits);
  in.alu_op = 0;
  in.use_imm = false;
  in.imm = 0;
  return in;
}

static ComputeInsn DecodeAlu(const insn_T& w) {
  ComputeInsn in;
  in.f = DecodeFlags(w);
  in.reset = Field(w, kAluResetLsb, kAluResetBits) != 0;
  in.uop_bgn = Field(w, kAluUopBgnLsb, kAluUopBgnBits);
  in.uop_end = Field(w, kAluUopEndLsb, kAluUopEndBits);
  in.iter_out = Field(w, kAluIterOutLsb, kAluIterOutBits);
  in.iter_in = Field(w, kAluIterInLsb, kAluIterInBits);
  in.dst_out = Field(w, kAluDstFactorOutLsb, kAluDstFactorOutBits);
  in.dst_in = Field(w, kAluDstFactorInLsb, kAluDstFactorInBits);
  in.src_out = Field(w, kAluSrcFactorOutLsb, kAluSrcFactorOutBits);
  in.src_in = Field(w, kAluSrcFactorInLsb, kAluSrcFactorInBits);
  in.wgt_out = 0;
  in.wgt_in = 0;
  in.alu_op = int(Field(w, kAluAluOpcodeLsb, kAluAluOpcodeBits));
  in.use_imm = Field(w, kAluUseImmLsb, kAluUseImmBits) != 0;
  in.imm = SignedField(w, kAluImmLsb, kAluImmBits);
  return in;
}

// ---- errors and counters -------------------------------------------------------------------------------

// Records an error; the first one keeps its details.
static void Fail(KernelStatus& st, uint32_t bit, int module, int64_t insn, uint64_t index = 0, int buffer = -1) {
  if (st.error == 0) {
    st.first_error = bit;
    st.error_module = module;
    st.error_insn = insn;
    st.error_index = index;
    st.error_buffer = buffer;
  }
  st.error |= bit;
}

// Rows [base, base + rows) fit a buffer of `depth` rows; otherwise reports the first row past it.
static bool RowsFit(uint64_t base, uint64_t rows, uint64_t depth, int module, int buffer, uint32_t insn,
                    KernelStatus& st) {
  if (base <= depth && rows <= depth - base) return true;
  Fail(st, kErrSramBounds, module, insn, base < depth ? depth : base, buffer);
  return false;
}

static int64_t PadValue(bool pad_min, int bits) { return pad_min ? -(int64_t(1) << (bits - 1)) : 0; }

// ---- fetch ---------------------------------------------------------------------------------------------

void Fetch(uint32_t insn_count, uint64_t insn_row, port_T<insn_T> insns, insn_queue_T& load_q,
           insn_queue_T& compute_q, insn_queue_T& store_q, KernelStatus& st) {
  for (uint32_t i = 0; i < insn_count; ++i) {
#pragma HLS PIPELINE II = 1
    QueuedInsn q;
    q.word = insns[insn_row + i];
    q.index = i;
    const int opcode = int(Field(q.word, kOpcodeLsb, kOpcodeBits));
    const int type = int(Field(q.word, kMemMemoryTypeLsb, kMemMemoryTypeBits));
    if (opcode == kOpcodeLoad && (type == kMemInp || type == kMemWgt)) {
      load_q.write(q);
    } else if (opcode == kOpcodeLoad && (type == kMemUop || type == kMemAcc || type == kMemAcc8bit)) {
      compute_q.write(q);
    } else if (opcode == kOpcodeStore && type == kMemOut) {
      store_q.write(q);
    } else if (opcode == kOpcodeGemm || opcode == kOpcodeAlu || (opcode == kOpcodeFinish && i + 1 == insn_count)) {
      compute_q.write(q);
    } else {
      // LOAD of OUT, STORE of another type, an unknown opcode, or FINISH before the end: dropped.
      Fail(st, kErrBadInsn, -1, i);
    }
  }
}

// ---- load ----------------------------------------------------------------------------------------------

static void LoadInp(const MemInsn& in, uint32_t index, port_T<inp_row_T> inputs, VTA_INP_MEM, KernelStatus& st) {
  if (!RowsFit(in.sram_base, in.RowsY() * in.RowsX(), kInpDepth, kModLoad, kMemInp, index, st)) return;
  const inp_T pad = inp_T(PadValue(in.pad_min, kInpBits));
  uint64_t idx = in.sram_base;
  for (uint64_t y = 0; y < in.RowsY(); ++y) {
    for (uint64_t x = 0; x < in.RowsX(); ++x, ++idx) {
#pragma HLS PIPELINE II = 1
      const bool data = in.IsData(y, x);
      const inp_row_T row = data ? inp_row_T(inputs[in.DramRow(y, x)]) : inp_row_T(0);
      for (int b = 0; b < kBatch; ++b)
        for (int i = 0; i < kBlockIn; ++i) {
          const int lsb = (b * kBlockIn + i) * kInpBits;
          inp[idx][b][i] = data ? inp_T(row.range(lsb + kInpBits - 1, lsb).to_uint64()) : pad;
        }
    }
  }
}

static void LoadWgt(const MemInsn& in, uint32_t index, port_T<wgt_row_T> weights, VTA_WGT_MEM, KernelStatus& st) {
  if (!RowsFit(in.sram_base, in.RowsY() * in.RowsX(), kWgtDepth, kModLoad, kMemWgt, index, st)) return;
  const wgt_T pad = wgt_T(PadValue(in.pad_min, kWgtBits));
  uint64_t idx = in.sram_base;
  for (uint64_t y = 0; y < in.RowsY(); ++y) {
    for (uint64_t x = 0; x < in.RowsX(); ++x, ++idx) {
#pragma HLS PIPELINE II = 1
      const bool data = in.IsData(y, x);
      const wgt_row_T row = data ? wgt_row_T(weights[in.DramRow(y, x)]) : wgt_row_T(0);
      for (int o = 0; o < kBlockOut; ++o)
        for (int i = 0; i < kBlockIn; ++i) {
          const int lsb = (o * kBlockIn + i) * kWgtBits;
          wgt[idx][o][i] = data ? wgt_T(row.range(lsb + kWgtBits - 1, lsb).to_uint64()) : pad;
        }
    }
  }
}

static void CountLoad(const MemInsn& in, uint64_t row_bytes, KernelStatus& st) {
  const uint64_t data = in.y_size * in.x_size;
  st.load_bytes[in.type] += data * row_bytes;
  st.pad_rows[in.type] += in.RowsY() * in.RowsX() - data;
}

void LoadStep(const QueuedInsn& q, port_T<inp_row_T> inputs, port_T<wgt_row_T> weights, dep_queue_T& c2l,
              dep_queue_T& l2c, VTA_INP_MEM, VTA_WGT_MEM, KernelStatus& st) {
  const MemInsn in = DecodeMem(q.word);
  if (in.f.pop_next) (void)c2l.read();
  if (in.f.pop_prev || in.f.push_prev) Fail(st, kErrBadInsn, kModLoad, q.index);  // no previous module
  if (!in.Empty()) {
    if (in.type == kMemInp) {
      LoadInp(in, q.index, inputs, inp, st);
      CountLoad(in, kInpRowBits / 8, st);
    } else {
      LoadWgt(in, q.index, weights, wgt, st);
      CountLoad(in, kWgtRowBits / 8, st);
    }
  }
  ++st.insns[kModLoad];
  if (in.f.push_next) {
    l2c.write(true);
    ++st.tokens[kQueueL2C];
  }
}

// ---- compute -------------------------------------------------------------------------------------------

static void Narrow(VTA_ACC_MEM, VTA_OUT_MEM, uint64_t row) {
  for (int b = 0; b < kBatch; ++b)
    for (int o = 0; o < kBlockOut; ++o) out[row][b][o] = out_T(acc[row][b][o].to_int64());
}

static void LoadUop(const MemInsn& in, uint32_t index, port_T<uop_T> uops, VTA_UOP_MEM, KernelStatus& st) {
  if (in.pad_min) {  // a micro-op has no minimum value
    Fail(st, kErrBadInsn, kModCompute, index);
    return;
  }
  if (!RowsFit(in.sram_base, in.RowsY() * in.RowsX(), kUopDepth, kModCompute, kMemUop, index, st)) return;
  uint64_t idx = in.sram_base;
  for (uint64_t y = 0; y < in.RowsY(); ++y)
    for (uint64_t x = 0; x < in.RowsX(); ++x, ++idx) {
#pragma HLS PIPELINE II = 1
      uop[idx] = in.IsData(y, x) ? uop_T(uops[in.DramRow(y, x)]) : uop_T(0);
    }
}

// ACC rows, or (ACC_8BIT, ElemBits 8) rows of int8 values sign-extended into the accumulator, padding
// included (its minimum is the int8 minimum).
template <class Row, int ElemBits>
static void LoadAcc(const MemInsn& in, uint32_t index, port_T<Row> accs, VTA_ACC_MEM, VTA_OUT_MEM, KernelStatus& st) {
  if (!RowsFit(in.sram_base, in.RowsY() * in.RowsX(), kAccDepth, kModCompute, kMemAcc, index, st)) return;
  const acc_T pad = acc_T(PadValue(in.pad_min, ElemBits));
  uint64_t idx = in.sram_base;
  for (uint64_t y = 0; y < in.RowsY(); ++y)
    for (uint64_t x = 0; x < in.RowsX(); ++x, ++idx) {
#pragma HLS PIPELINE II = 1
      const bool data = in.IsData(y, x);
      const Row row = data ? Row(accs[in.DramRow(y, x)]) : Row(0);
      for (int b = 0; b < kBatch; ++b)
        for (int o = 0; o < kBlockOut; ++o) {
          const int lsb = (b * kBlockOut + o) * ElemBits;
          acc[idx][b][o] = data ? acc_T(ap_int<ElemBits>(row.range(lsb + ElemBits - 1, lsb).to_uint64()).to_int64()) : pad;
        }
      Narrow(acc, out, idx);
    }
}

static acc_T AluOp(int op, acc_T a, acc_T v) {
  switch (op) {
    case kAluMin: return a < v ? a : v;
    case kAluMax: return a > v ? a : v;
    case kAluAdd: return acc_T(a.to_int64() + v.to_int64());
    case kAluMul: return acc_T(a.to_int64() * v.to_int64());
    case kAluShr: {
      const ap_int<kLogAccWidth + 1> k = ap_int<kLogAccWidth + 1>(v.to_int64());
      const int64_t n = k.to_int64();
      if (n >= 0) return acc_T(a.to_int64() >> (n < kAccBits - 1 ? n : kAccBits - 1));
      if (-n >= kAccBits) return acc_T(0);
      return acc_T(int64_t(uint64_t(a.to_int64()) << -n));
    }
    case kAluClip: {
      const int64_t x = v.to_int64(), nx = ~x;
      const int64_t lo = x < nx ? x : nx, hi = x < nx ? nx : x;
      return a.to_int64() < lo ? acc_T(lo) : a.to_int64() > hi ? acc_T(hi) : a;
    }
    default: return v;  // kAluMov
  }
}

// GEMM and ALU: the loop nest iter_out x iter_in x [uop_bgn, uop_end).
static void Compute(const ComputeInsn& in, bool alu, uint32_t index, VTA_UOP_MEM, VTA_INP_MEM, VTA_WGT_MEM, VTA_ACC_MEM,
                    VTA_OUT_MEM, KernelStatus& st) {
  if (in.uop_bgn > in.uop_end || in.uop_end > uint64_t(kUopDepth)) {
    Fail(st, kErrSramBounds, kModCompute, index, in.uop_end, kMemUop);
    return;
  }
  if (alu && in.alu_op > kAluMov) {
    Fail(st, kErrBadInsn, kModCompute, index);
    return;
  }
  for (uint64_t i0 = 0; i0 < in.iter_out; ++i0)
    for (uint64_t i1 = 0; i1 < in.iter_in; ++i1)
      for (uint64_t u = in.uop_bgn; u < in.uop_end; ++u) {
#pragma HLS PIPELINE II = 1
        const uop_T word = uop[u];
        const uint64_t d = word.range(kUopDstBits - 1, 0).to_uint64() + i0 * in.dst_out + i1 * in.dst_in;
        const uint64_t s = word.range(kUopDstBits + kUopSrcBits - 1, kUopDstBits).to_uint64() + i0 * in.src_out +
                           i1 * in.src_in;
        const uint64_t w =
            word.range(kUopDstBits + kUopSrcBits + kUopWgtBits - 1, kUopDstBits + kUopSrcBits).to_uint64() +
            i0 * in.wgt_out + i1 * in.wgt_in;
        if (alu) {
          ++st.alu_uops;
        } else {
          ++st.gemm_uops;
        }
        if (d >= uint64_t(kAccDepth)) {
          Fail(st, kErrSramBounds, kModCompute, index, d, kMemAcc);
          continue;
        }
        if (in.reset) {
          for (int b = 0; b < kBatch; ++b)
            for (int o = 0; o < kBlockOut; ++o) acc[d][b][o] = acc_T(0);
        } else if (!alu) {
          if (s >= uint64_t(kInpDepth)) {
            Fail(st, kErrSramBounds, kModCompute, index, s, kMemInp);
            continue;
          }
          if (w >= uint64_t(kWgtDepth)) {
            Fail(st, kErrSramBounds, kModCompute, index, w, kMemWgt);
            continue;
          }
          for (int b = 0; b < kBatch; ++b)
            for (int o = 0; o < kBlockOut; ++o) {
              sum_T sum = 0;
              for (int i = 0; i < kBlockIn; ++i) sum = sum_T(sum.to_int64() + inp[s][b][i].to_int64() * wgt[w][o][i].to_int64());
              acc[d][b][o] = acc_T(acc[d][b][o].to_int64() + sum.to_int64());
            }
        } else {
          if (!in.use_imm && s >= uint64_t(kAccDepth)) {
            Fail(st, kErrSramBounds, kModCompute, index, s, kMemAcc);
            continue;
          }
          for (int b = 0; b < kBatch; ++b)
            for (int o = 0; o < kBlockOut; ++o) {
              const acc_T v = in.use_imm ? acc_T(in.imm) : acc[s][b][o];
              acc[d][b][o] = AluOp(in.alu_op, acc[d][b][o], v);
            }
        }
        Narrow(acc, out, d);
      }
}

bool ComputeStep(const QueuedInsn& q, port_T<uop_T> uops, port_T<acc_row_T> accs, port_T<acc8_row_T> acc8s,
                 dep_queue_T& l2c,
                 dep_queue_T& c2l, dep_queue_T& c2s, dep_queue_T& s2c, VTA_UOP_MEM, VTA_INP_MEM, VTA_WGT_MEM,
                 VTA_ACC_MEM, VTA_OUT_MEM, KernelStatus& st) {
  const Flags f = DecodeFlags(q.word);
  if (f.pop_prev) (void)l2c.read();
  if (f.pop_next) (void)s2c.read();
  bool finish = false;
  if (f.opcode == kOpcodeLoad) {
    const MemInsn in = DecodeMem(q.word);
    if (!in.Empty()) {
      if (in.type == kMemUop) {
        LoadUop(in, q.index, uops, uop, st);
        CountLoad(in, kUopBits / 8, st);
      } else if (in.type == kMemAcc8bit) {
        LoadAcc<acc8_row_T, 8>(in, q.index, acc8s, acc, out, st);
        CountLoad(in, kAcc8RowBits / 8, st);
      } else {
        LoadAcc<acc_row_T, kAccBits>(in, q.index, accs, acc, out, st);
        CountLoad(in, kAccRowBits / 8, st);
      }
    }
  } else if (f.opcode == kOpcodeGemm) {
    Compute(DecodeGemm(q.word), false, q.index, uop, inp, wgt, acc, out, st);
  } else if (f.opcode == kOpcodeAlu) {
    Compute(DecodeAlu(q.word), true, q.index, uop, inp, wgt, acc, out, st);
  } else {
    finish = true;
  }
  ++st.insns[kModCompute];
  if (f.push_prev) {
    c2l.write(true);
    ++st.tokens[kQueueC2L];
  }
  if (f.push_next) {
    c2s.write(true);
    ++st.tokens[kQueueC2S];
  }
  return finish;
}

// ---- store ---------------------------------------------------------------------------------------------

void StoreStep(const QueuedInsn& q, port_T<out_row_T> outputs, dep_queue_T& c2s, dep_queue_T& s2c, VTA_OUT_MEM,
               KernelStatus& st) {
  const MemInsn in = DecodeMem(q.word);
  if (in.f.pop_prev) (void)c2s.read();
  if (in.f.pop_next || in.f.push_next) Fail(st, kErrBadInsn, kModStore, q.index);  // no next module
  if (in.pad_min || in.y_pad_0 || in.y_pad_1 || in.x_pad_0 || in.x_pad_1) Fail(st, kErrBadInsn, kModStore, q.index);
  if (!in.Empty() && RowsFit(in.sram_base, in.y_size * in.x_size, kOutDepth, kModStore, kMemOut, q.index, st)) {
    for (uint64_t y = 0; y < in.y_size; ++y)
      for (uint64_t x = 0; x < in.x_size; ++x) {
#pragma HLS PIPELINE II = 1
        const uint64_t idx = in.sram_base + y * in.x_size + x;
        out_row_T row;
        for (int b = 0; b < kBatch; ++b)
          for (int o = 0; o < kBlockOut; ++o) {
            const int lsb = (b * kBlockOut + o) * kOutBits;
            row.range(lsb + kOutBits - 1, lsb) = uint64_t(out[idx][b][o].to_int64());
          }
        outputs[in.dram_base + y * in.x_stride + x] = row;
      }
    st.store_bytes += in.y_size * in.x_size * uint64_t(kOutRowBits / 8);
  }
  ++st.insns[kModStore];
  if (in.f.push_prev) {
    s2c.write(true);
    ++st.tokens[kQueueS2C];
  }
}

// ---- C simulation top ----------------------------------------------------------------------------------

namespace {

struct Queues {
  insn_queue_T insn[3];
  dep_queue_T dep[4];
};

// The dependency queue a module pops (pop = true) or pushes through a flag, or -1 (no such neighbour).
int QueueOf(int module, bool prev, bool pop) {
  static const int kPop[3][2] = {{-1, kQueueC2L}, {kQueueL2C, kQueueS2C}, {kQueueC2S, -1}};   // [prev, next]
  static const int kPush[3][2] = {{-1, kQueueL2C}, {kQueueC2L, kQueueC2S}, {kQueueS2C, -1}};
  return pop ? kPop[module][prev ? 0 : 1] : kPush[module][prev ? 0 : 1];
}

// Every queue the instruction pops has a token and every queue it pushes has room.
bool Ready(int module, const insn_T& w, const Queues& q) {
  const Flags f = DecodeFlags(w);
  const bool flag[4] = {f.pop_prev, f.pop_next, f.push_prev, f.push_next};
  for (int k = 0; k < 4; ++k) {
    if (!flag[k]) continue;
    const bool pop = k < 2;
    const int queue = QueueOf(module, k % 2 == 0, pop);
    if (queue < 0) continue;
    if (pop ? q.dep[queue].empty() : q.dep[queue].size() >= size_t(kDepQueueDepth)) return false;
  }
  return true;
}

}  // namespace

void RunKernel(uint32_t insn_count, uint64_t insn_row, const Ports& p, Scratchpads& sp, KernelStatus& st) {
  Queues q;
  Fetch(insn_count, insn_row, p.insns, q.insn[kModLoad], q.insn[kModCompute], q.insn[kModStore], st);
  QueuedInsn head[3];
  bool has[3] = {false, false, false};
  bool done = st.error != 0;
  while (!done) {
    bool progress = false;
    for (int m = 0; m < 3 && !done; ++m) {
      if (!has[m]) {
        if (q.insn[m].empty()) continue;
        head[m] = q.insn[m].read();
        has[m] = true;
      }
      if (!Ready(m, head[m].word, q)) continue;
      if (m == kModLoad) {
        LoadStep(head[m], p.inputs, p.weights, q.dep[kQueueC2L], q.dep[kQueueL2C], sp.inp, sp.wgt, st);
      } else if (m == kModStore) {
        StoreStep(head[m], p.outputs, q.dep[kQueueC2S], q.dep[kQueueS2C], sp.out, st);
      } else {
        const bool finish = DecodeFlags(head[m].word).opcode == kOpcodeFinish;
        if (finish && (has[kModLoad] || !q.insn[kModLoad].empty() || has[kModStore] || !q.insn[kModStore].empty()))
          Fail(st, kErrFinishRace, kModCompute, head[m].index);
        done = ComputeStep(head[m], p.uops, p.accs, p.acc8s, q.dep[kQueueL2C], q.dep[kQueueC2L], q.dep[kQueueC2S],
                           q.dep[kQueueS2C], sp.uop, sp.inp, sp.wgt, sp.acc, sp.out, st);
      }
      has[m] = false;
      progress = true;
#if !defined(__SYNTHESIS__) && !defined(DCOC_HLS_VITIS)
      const csim::Dram& dram = p.insns.dram();
      if (dram.fault) Fail(st, kErrDramBounds, m, head[m].index, dram.fault_addr);
#endif
      if (st.error != 0) done = true;
    }
    if (done || progress) continue;
    const bool queued = has[0] || has[1] || has[2] || !q.insn[0].empty() || !q.insn[1].empty() || !q.insn[2].empty();
    Fail(st, queued ? kErrDeadlock : kErrNoFinish, -1, -1);
    for (int m = 0; m < 3; ++m) st.pending[m] = has[m] ? int64_t(head[m].index) : -1;
    for (int k = 0; k < 4; ++k) st.queued_tokens[k] = uint32_t(q.dep[k].size());
    done = true;
  }
}
