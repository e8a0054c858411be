fn main() -> Result<(), heycat_codegen::Error> {
    heycat_codegen::Builder::new().generate()
}
