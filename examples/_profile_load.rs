fn main() {
    let p = std::env::args().nth(1).unwrap();
    let t = std::time::Instant::now();
    let s = dexposure::snapshot::SeriesLoader::new()
        .threads(1)
        .load(&p)
        .unwrap();
    eprintln!("{} weeks {:?}", s.len(), t.elapsed());
}
