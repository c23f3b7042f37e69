// AXI4 read-channel arbiter: N read clients share one master port. A round-robin choice loads a
// registered AR stage (so AR stays stable until accepted); the client index is the AXI ID, and R beats
// are routed back by RID. Clients may each have several bursts in flight.
`include "vta_assert.svh"

module vta_axi_rd_arb #(
  parameter int unsigned N = 5
) (
  input  logic                                  clk_i,
  input  logic                                  rst_ni,
  // Clients
  input  logic [N-1:0]                          c_ar_valid_i,
  output logic [N-1:0]                          c_ar_ready_o,
  input  logic [N*vta_pkg::AXI_ADDR_W-1:0]      c_ar_addr_i,  // client k at [k*AXI_ADDR_W +: AXI_ADDR_W]
  input  logic [N*8-1:0]                        c_ar_len_i,
  output logic [N-1:0]                          c_r_valid_o,
  input  logic [N-1:0]                          c_r_ready_i,
  // Master
  output logic                                  m_ar_valid_o,
  input  logic                                  m_ar_ready_i,
  output logic [vta_pkg::AXI_ID_W-1:0]          m_ar_id_o,
  output logic [vta_pkg::AXI_ADDR_W-1:0]        m_ar_addr_o,
  output logic [7:0]                            m_ar_len_o,
  input  logic                                  m_r_valid_i,
  output logic                                  m_r_ready_o,
  input  logic [vta_pkg::AXI_ID_W-1:0]          m_r_id_i
);

  localparam int unsigned IdxW = $clog2(N);

  logic valid_q;
  logic [vta_pkg::AXI_ID_W-1:0] id_q;
  logic [vta_pkg::AXI_ADDR_W-1:0] addr_q;
  logic [7:0] len_q;
  logic [IdxW-1:0] last_q, pick;
  logic found, load;

  // Round robin: the first valid client after the last one granted.
  always_comb begin
    int unsigned c;  // (last_q + k) mod N, with last_q < N and k <= N
    c = 0;
    found = 1'b0;
    pick = '0;
    if (c_ar_valid_i != '0) begin
      for (int unsigned k = 1; k <= N; k++) begin
        c = 32'(last_q) + k;
        if (c >= N) c = c - N;
        if (!found && c_ar_valid_i[c]) begin
          found = 1'b1;
          pick = IdxW'(c);
        end
      end
    end
  end

  assign load = found && (!valid_q || m_ar_ready_i);

  always_comb begin
    c_ar_ready_o = '0;
    if (load) c_ar_ready_o[pick] = 1'b1;
  end


  assign m_ar_valid_o = valid_q;
  assign m_ar_id_o = id_q;
  assign m_ar_addr_o = addr_q;
  assign m_ar_len_o = len_q;

  always_comb begin
    c_r_valid_o = '0;
    m_r_ready_o = 1'b0;
    for (int unsigned k = 0; k < N; k++) begin
      if (m_r_id_i == vta_pkg::AXI_ID_W'(k)) begin
        c_r_valid_o[k] = m_r_valid_i;
        m_r_ready_o = c_r_ready_i[k];
      end
    end
  end

  `VTA_ASSERT_ONEHOT0(GrantOneHot_A, c_ar_ready_o)
  `VTA_ASSERT_STABLE(ArStable_A, m_ar_valid_o, m_ar_ready_i, {m_ar_id_o, m_ar_addr_o, m_ar_len_o})
  // Read data returns only to a client: RID names one of the N.
  `VTA_ASSERT_IF(RidKnown_A, 32'(m_r_id_i) < N, m_r_valid_i)

  // The AR stage loads with a grant and empties when the master takes it.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= 1'b0;
      id_q <= '0;
      addr_q <= '0;
      len_q <= '0;
      last_q <= IdxW'(N - 1);
    end else if (load) begin
      valid_q <= 1'b1;
      id_q <= vta_pkg::AXI_ID_W'(pick);
      addr_q <= c_ar_addr_i[32'(pick) * vta_pkg::AXI_ADDR_W +: vta_pkg::AXI_ADDR_W];
      len_q <= c_ar_len_i[32'(pick) * 8 +: 8];
      last_q <= pick;
    end else if (valid_q && m_ar_ready_i) begin
      valid_q <= 1'b0;
    end
  end

endmodule
