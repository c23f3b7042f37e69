// GEMM datapath (combinational): acc[b][o] + sum_i inp[b][i] * wgt[o][i] for one micro-op, wrapping
// at the accumulator width. BATCH x BLOCK_OUT dot products of BLOCK_IN signed products.
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

  for (genvar b = 0; b < vta_pkg::BATCH; b++) begin : gen_b
    for (genvar o = 0; o < vta_pkg::BLOCK_OUT; o++) begin : gen_o
      logic signed [PW-1:0] prod;
      logic signed [AW-1:0] sum;
      always_comb begin
        sum = $signed(acc_i[(b * vta_pkg::BLOCK_OUT + o) * AW +: AW]);
        for (int unsigned i = 0; i < vta_pkg::BLOCK_IN; i++) begin
          prod = $signed(inp_i[(b * vta_pkg::BLOCK_IN + i) * IW +: IW]) *
                 $signed(wgt_i[(o * vta_pkg::BLOCK_IN + i) * WW +: WW]);
          sum = sum + AW'(prod);
        end
      end
      assign acc_o[(b * vta_pkg::BLOCK_OUT + o) * AW +: AW] = sum;
    end
  end

endmodule
