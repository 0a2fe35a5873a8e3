using System.Security.Cryptography;

namespace Checkup.Core.Images;

/// <summary>
/// The body of the single Put Blob: the file as it streams in, hashed and sniffed on its way to storage, with its last
/// byte held back until the file has ended exactly at the declared length and passed every check. A refused or broken
/// upload ends the Put one byte short (the request is aborted), so storage never completes a blob the handler refused.
/// </summary>
internal sealed class WithheldBody(Stream file, ReadOnlyMemory<byte> prefix, long length, ImageSniffer sniffer, ImageOptions options,
    CancellationTokenSource abort) : Stream
{
    /// <summary>How long storage may take to ask for the next piece, or to answer after the last one.</summary>
    private static readonly TimeSpan StorageStall = TimeSpan.FromSeconds(30);

    private const int WriteSize = 64 * 1024;

    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
    private ReadOnlyMemory<byte> _prefix = prefix; // already sniffed; still to hash and send
    private long _sent;

    /// <summary>Why the handler ended the Put: a refusal to answer...</summary>
    public UploadOutcome.Refused? Refusal { get; private set; }

    /// <summary>...or the exception reading the request threw (the client's fault, not storage's).</summary>
    public Exception? Fault { get; private set; }

    /// <summary>Every byte went to storage: a failed Put may still have stored the blob.</summary>
    public bool Complete => _sent == length;

    public string Sha256 => Convert.ToHexStringLower(_sha256.GetCurrentHash());

    public byte[] Md5 => _md5.GetCurrentHash();

    public override bool CanRead => true;
    public override bool CanSeek => true; // only so the SDK can read the length; the body cannot be replayed
    public override bool CanWrite => false;
    public override long Length => length;

    public override long Position
    {
        get => _sent;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override long Seek(long offset, SeekOrigin origin) =>
        origin == SeekOrigin.Begin && offset == _sent ? _sent : throw new IOException("A streamed upload cannot be replayed.");

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (_sent == length || buffer.IsEmpty)
        {
            return 0;
        }

        abort.CancelAfter(Timeout.InfiniteTimeSpan); // waiting for the client is the client's time, bounded by Kestrel
        var read = 0;
        try
        {
            // Request bodies arrive a few KiB at a time: gathering them saves storage (and this process) many small writes.
            var want = (int)Math.Min(Math.Min(buffer.Length, WriteSize), length - _sent - 1);
            while (read < want)
            {
                read += await ReadFileAsync(buffer[read..want], ct);
            }

            if (read == 0)
            {
                read = await ReadLastAsync(buffer, ct);
            }
        }
        catch (Exception e) when (Refusal is null && Fault is null)
        {
            Fault = e;
            await abort.CancelAsync(); // no retries: the body is gone
            throw;
        }

        _sha256.AppendData(buffer.Span[..read]);
        _md5.AppendData(buffer.Span[..read]);
        _sent += read;
        abort.CancelAfter(StorageStall);
        return read;
    }

    /// <summary>Some bytes, never zero: the file ending before the declared length is refused.</summary>
    private async ValueTask<int> ReadFileAsync(Memory<byte> buffer, CancellationToken ct)
    {
        if (!_prefix.IsEmpty)
        {
            var take = Math.Min(_prefix.Length, buffer.Length);
            _prefix[..take].CopyTo(buffer);
            _prefix = _prefix[take..];
            return take;
        }

        var read = await file.ReadAsync(buffer, ct);
        if (read == 0)
        {
            await RefuseAsync(new(UploadRefusal.Malformed, LengthMismatch));
        }

        if (!sniffer.Decided)
        {
            sniffer.Feed(buffer.Span[..read]);
            await CheckAsync();
        }

        return read;
    }

    /// <summary>The last byte, once the file has ended right after it and passed every check.</summary>
    private async ValueTask<int> ReadLastAsync(Memory<byte> buffer, CancellationToken ct)
    {
        await ReadFileAsync(buffer[..1], ct);
        var beyond = new byte[1];
        if (_prefix.Length > 0 || await file.ReadAsync(beyond, ct) > 0)
        {
            await RefuseAsync(new(UploadRefusal.Malformed, LengthMismatch));
        }

        sniffer.Finish();
        await CheckAsync();
        return 1;
    }

    private async ValueTask CheckAsync()
    {
        if (ImageUploads.Refusal(sniffer, options) is { } refused)
        {
            await RefuseAsync(refused);
        }
    }

    private async ValueTask RefuseAsync(UploadOutcome.Refused refusal)
    {
        Refusal = refusal;
        await abort.CancelAsync();
        throw new IOException("The upload was refused before its last byte: " + refusal.Detail);
    }

    private const string LengthMismatch =
        "The file part does not end where the body's length says: send it as the last part, followed only by the closing boundary.";

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _sha256.Dispose();
            _md5.Dispose();
        }

        base.Dispose(disposing);
    }
}
