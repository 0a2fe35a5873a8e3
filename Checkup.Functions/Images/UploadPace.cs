using System.Buffers;
using System.IO.Pipelines;
using Checkup.Core.Images;

namespace Checkup.Functions.Images;

/// <summary>
/// Keeps a slow client from holding a connection, a row and a storage Put open. Kestrel's minimum data rate is an
/// average over the whole body, so a client that sends 1 MiB at once and then a byte a second passes it for hours. Here
/// the body must bring at least <see cref="ImageOptions.UploadMinBytesPerSecond"/> in every sliding
/// <see cref="ImageOptions.UploadRateWindow"/>, and all of it within <see cref="ImageOptions.UploadDeadline"/>; else
/// <see cref="Token"/> is cancelled, which ends the reads, the Put and the request.
/// </summary>
internal sealed class UploadPace : IDisposable
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);

    private readonly CountingReader _reader;
    private readonly CancellationTokenSource _expired;
    private readonly ImageOptions _options;
    private readonly long? _bodyLength;
    private readonly Queue<(TimeSpan At, long Received)> _samples = new();
    private readonly ITimer _timer;
    private readonly long _startedAt;
    private readonly TimeProvider _clock;

    public UploadPace(HttpRequest request, ImageOptions options, TimeProvider clock, CancellationToken aborted)
    {
        _options = options;
        _clock = clock;
        _bodyLength = request.ContentLength;
        _reader = new CountingReader(request.BodyReader);
        _expired = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        _startedAt = clock.GetTimestamp();
        _samples.Enqueue((TimeSpan.Zero, 0));
        _timer = clock.CreateTimer(_ => Check(), null, Tick, Tick);
    }

    public PipeReader Body => _reader;

    public CancellationToken Token => _expired.Token;

    /// <summary>Why the upload was stopped, when the pace stopped it (not the client, not the server).</summary>
    public string? Verdict { get; private set; }

    private void Check()
    {
        lock (_samples) // timer callbacks may overlap
        {
            CheckLocked();
        }
    }

    private void CheckLocked()
    {
        var received = _reader.Received;
        if (_reader.Ended || received >= _bodyLength || _expired.IsCancellationRequested)
        {
            return; // the whole body is in: what follows is the server's own work
        }

        var now = _clock.GetElapsedTime(_startedAt);
        if (now >= _options.UploadDeadline)
        {
            Stop($"The upload did not finish within {_options.UploadDeadline.TotalSeconds:0} s.");
            return;
        }

        _samples.Enqueue((now, received));
        while (_samples.Count > 1 && now - _samples.Peek().At > _options.UploadRateWindow)
        {
            var (at, before) = _samples.Dequeue();
            var window = now - at;
            var minimum = _options.UploadMinBytesPerSecond * window.TotalSeconds;
            if (received - before < minimum)
            {
                Stop($"The upload sent {received - before} bytes in the last {window.TotalSeconds:0.#} s; it must keep up at least " +
                     $"{_options.UploadMinBytesPerSecond} bytes per second.");
                return;
            }
        }
    }

    private void Stop(string verdict)
    {
        Verdict = verdict;
        _expired.Cancel();
    }

    public void Dispose()
    {
        _timer.Dispose();
        _expired.Dispose();
    }

    /// <summary>The request's pipe, counting the bytes that arrived (consumed plus still buffered).</summary>
    private sealed class CountingReader(PipeReader inner) : PipeReader
    {
        private ReadOnlySequence<byte> _last;
        private long _consumed;
        private long _received;

        public long Received => Interlocked.Read(ref _received);

        public bool Ended { get; private set; }

        public override async ValueTask<ReadResult> ReadAsync(CancellationToken ct = default) => Seen(await inner.ReadAsync(ct));

        public override bool TryRead(out ReadResult result)
        {
            if (!inner.TryRead(out result))
            {
                return false;
            }

            result = Seen(result);
            return true;
        }

        private ReadResult Seen(ReadResult result)
        {
            _last = result.Buffer;
            Ended |= result.IsCompleted;
            Interlocked.Exchange(ref _received, _consumed + result.Buffer.Length);
            return result;
        }

        public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            _consumed += _last.Slice(_last.Start, consumed).Length;
            _last = default;
            inner.AdvanceTo(consumed, examined);
        }

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);
    }
}
