pub mod figure;
pub mod header;
pub mod throughput_chart;
