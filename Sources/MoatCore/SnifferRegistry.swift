/// The one list of artifact sniffers, in the order they are tried.
///
/// Order matters: cheap, certain checks first; `LFSPointerSniffer` before everything (a pointer
/// means the content is NOT in git); container formats before the generic pickle walk;
/// `KnownBinarySniffer` and `TextSniffer` just before `RawTensorSniffer`, the statistical last resort.
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
        PickleSniffer(),
        KnownBinarySniffer(),
        TextSniffer(),
        RawTensorSniffer(),
    ]
}
