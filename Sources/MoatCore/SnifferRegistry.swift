/// The one list of artifact sniffers, in the order they are tried.
///
/// Order matters: cheap, certain checks first; `LFSPointerSniffer` before everything (a pointer
/// means the content is NOT in git); container formats before the generic pickle walk;
/// dataset containers that wrap a compressed or archive format (TFRecord GZIP, WebDataset tar)
/// before `KnownBinarySniffer` calls them plain gzip or tar, and so do archives holding
/// weights (`ArchiveSniffer`, which runs the header-based sniffers on their members); text datasets (JSONL, CSV, Hugging
/// Face metadata) before `TextSniffer`; `KnownBinarySniffer` and `TextSniffer` just before the
/// statistical last resorts, `TokenDumpSniffer` then `RawTensorSniffer`.
public enum SnifferRegistry {
    public static let all: [any Sniffer] = [
        LFSPointerSniffer(),
        SafetensorsSniffer(),
        TorchZipSniffer(),
        TorchLegacySniffer(),
        GGUFSniffer(),
        GGMLSniffer(),
        NumpySniffer(),
        NpzSniffer(),
        KerasArchiveSniffer(),
        HDF5Sniffer(),
        ONNXSniffer(),
        TFLiteSniffer(),
        TFCheckpointSniffer(),
        TFSavedModelSniffer(),
        FlaxMsgpackSniffer(),
        XGBoostSniffer(),
        LightGBMSniffer(),
        CatBoostSniffer(),
        CoreMLSniffer(),
        CoreMLWeightsSniffer(),
        OpenVINOSniffer(),
        ExecuTorchSniffer(),
        ParquetSniffer(),
        ArrowIPCSniffer(),
        LMDBSniffer(),
        LlmcTokenSniffer(),
        TFRecordSniffer(),
        WebDatasetSniffer(),
        TorchDCPSniffer(),
        PickleSniffer(),
        ArchiveSniffer(),
        KnownBinarySniffer(),
        HFDatasetMetadataSniffer(),
        TrainingRecordsSniffer(),
        CSVSniffer(),
        TextSniffer(),
        TokenDumpSniffer(),
        RawTensorSniffer(),
    ]
}
