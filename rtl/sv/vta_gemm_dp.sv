// GEMM datapath (combinational): acc[b][o] + sum_i inp[b][i] * wgt[o][i] for one micro-op, wrapping
// at the accumulator width. BATCH x BLOCK_OUT dot products of BLOCK_IN signed products, each product
// built as the configuration's GEMM_MAC says (vta_pkg::GEMM_PACK, GEMM_DSP_UNITS): a `*` that
// synthesis maps to a DSP48, a pair of products sharing inp[b][i] on one DSP48 (vta_mul_pack), or
// LUT logic (vta_mul_lut). Every choice gives the same sums.
//
// With every product on a DSP48 the dot products are written as accumulator-width sums of operand-width
// products: Yosys maps each product (and the additions, as a cascade) to DSP48s, and Verilator
// evaluates each one as a 32-bit multiply-add (no narrow intermediate to extend). Otherwise every
// product is one element of an unpacked array: Verilator keeps each in a word of its own, where a flat
// vector of all of them (BATCH*BLOCK_OUT*BLOCK_IN*16 bits) was a wide value rebuilt, word by word, on
// every evaluation and read back with computed slices. The internals are not traced (the inputs and the
// result are, in vta_compute), which lets Verilator keep them in registers.
/* verilator tracing_off */
`include "vta_assert.svh"

module vta_gemm_dp (
  input  logic [vta_pkg::ACC_ROW_BITS-1:0] acc_i,
  input  logic [vta_pkg::INP_ROW_BITS-1:0] inp_i,
  input  logic [vta_pkg::WGT_ROW_BITS-1:0] wgt_i,
  output logic [vta_pkg::ACC_ROW_BITS-1:0] acc_o
);

  localparam int unsigned IW = vta_pkg::INP_WIDTH;
  localparam int unsigned WW = vta_pkg::WGT_WIDTH;
  localparam int unsigned AW = vta_pkg::ACC_WIDTH;
  localparam int unsigned PW = IW + WW;
  localparam int unsigned NI = vta_pkg::BLOCK_IN;
  localparam int unsigned NO = vta_pkg::BLOCK_OUT;
  localparam int unsigned NP = vta_pkg::BATCH * NO * NI;
  localparam bit AllDsp = (vta_pkg::GEMM_PACK == 0) && (vta_pkg::GEMM_DSP_UNITS >= NP);

  `VTA_ASSERT_INIT(PackNeedsInt8_A, vta_pkg::GEMM_PACK == 0 || (IW == 8 && WW == 8 && NO % 2 == 0))

  if (AllDsp) begin : gen_dsp
    for (genvar b = 0; b < vta_pkg::BATCH; b++) begin : gen_b
      for (genvar o = 0; o < NO; o++) begin : gen_o
        logic signed [AW-1:0] sum;
        always_comb begin
          sum = $signed(acc_i[(b * NO + o) * AW +: AW]);
          for (int unsigned i = 0; i < NI; i++)
            sum = sum + $signed(inp_i[(b * NI + i) * IW +: IW]) * $signed(wgt_i[(o * NI + i) * WW +: WW]);
        end
        assign acc_o[(b * NO + o) * AW +: AW] = sum;
      end
    end
  end else begin : gen_mixed
    logic [PW-1:0] prod[NP];  // product p = (b * NO + o) * NI + i

    for (genvar b = 0; b < vta_pkg::BATCH; b++) begin : gen_b
      for (genvar k = 0; k < NO / 2; k++) begin : gen_pair
        for (genvar i = 0; i < NI; i++) begin : gen_i
          localparam int unsigned U = (b * (NO / 2) + k) * NI + i;  // pair index
          localparam int unsigned P0 = (b * NO + 2 * k) * NI + i;   // product of output 2k
          localparam int unsigned P1 = P0 + NI;                     // product of output 2k+1
          logic [IW-1:0] x;
          logic [WW-1:0] w0, w1;
          assign x = inp_i[(b * NI + i) * IW +: IW];
          assign w0 = wgt_i[(2 * k * NI + i) * WW +: WW];
          assign w1 = wgt_i[((2 * k + 1) * NI + i) * WW +: WW];
          if (vta_pkg::GEMM_PACK != 0 && U < vta_pkg::GEMM_DSP_UNITS) begin : gen_pack
            vta_mul_pack #(
              .XW(IW),
              .WW(WW)
            ) u_mul (
              .x_i   (x),
              .w_hi_i(w0),
              .w_lo_i(w1),
              .hi_o  (prod[P0]),
              .lo_o  (prod[P1])
            );
          end else begin : gen_single
            if (vta_pkg::GEMM_PACK == 0 && P0 < vta_pkg::GEMM_DSP_UNITS) begin : gen_dsp0
              logic signed [PW-1:0] p;  // a product as wide as its operands together: one DSP48
              assign p = $signed(x) * $signed(w0);
              assign prod[P0] = p;
            end else begin : gen_lut0
              vta_mul_lut #(.AW(IW), .BW(WW)) u_mul (.a_i(x), .b_i(w0), .p_o(prod[P0]));
            end
            if (vta_pkg::GEMM_PACK == 0 && P1 < vta_pkg::GEMM_DSP_UNITS) begin : gen_dsp1
              logic signed [PW-1:0] p;
              assign p = $signed(x) * $signed(w1);
              assign prod[P1] = p;
            end else begin : gen_lut1
              vta_mul_lut #(.AW(IW), .BW(WW)) u_mul (.a_i(x), .b_i(w1), .p_o(prod[P1]));
            end
          end
        end
      end

      for (genvar o = 0; o < NO; o++) begin : gen_o
        logic signed [AW-1:0] sum;
        always_comb begin
          sum = $signed(acc_i[(b * NO + o) * AW +: AW]);
          for (int unsigned i = 0; i < NI; i++) sum = sum + AW'($signed(prod[(b * NO + o) * NI + i]));
        end
        assign acc_o[(b * NO + o) * AW +: AW] = sum;
      end
    end
  end

endmodule
