pub mod controls;
pub mod dora_chart;
pub mod echarts;
pub mod figure;
pub mod header;
pub mod throughput_chart;
