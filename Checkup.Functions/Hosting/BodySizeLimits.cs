using Checkup.Functions.Problems;

namespace Checkup.Functions.Hosting;

/// <summary>
/// Enforces a function's <see cref="Worker.BodyLimitAttribute"/> with a 413 problem+json: a declared Content-Length over
/// the limit is refused before anything is read; a body without one (chunked) is counted and cut off when it passes the limit.
/// </summary>
public static class BodySizeLimits
{
    /// <summary>Runs <paramref name="next"/> with the body limited to <paramref name="bytes"/>, or answers 413 without running it.</summary>
    public static async Task EnforceAsync(HttpContext context, long bytes, Func<Task> next)
    {
        if (context.Request.ContentLength is { } declared)
        {
            if (declared > bytes)
            {
                await TooLargeAsync(context, bytes);
                return;
            }

            // The server reads no further than the declared length, so the body cannot pass the limit: the endpoint keeps
            // reading the server's own body pipe, without a counting stream in between.
            await next();
            return;
        }

        var body = new LimitedReadStream(context.Request.Body, bytes);
        context.Request.Body = body;
        await next();
        if (body.Exceeded && !context.Response.HasStarted)
        {
            // The binder may treat the read failure as a dropped connection and answer nothing: answer properly.
            context.Response.Clear();
            await TooLargeAsync(context, bytes);
        }
    }

    private static Task TooLargeAsync(HttpContext context, long bytes)
    {
        context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        var problem = Problem.Details(StatusCodes.Status413PayloadTooLarge, "payload_too_large", "Request body too large",
            $"This endpoint accepts at most {bytes} bytes of body.");
        return context.RequestServices.GetRequiredService<IProblemDetailsService>()
            .TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }).AsTask();
    }

    private sealed class LimitedReadStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public bool Exceeded { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int read)
        {
            _read += read;
            if (_read > limit)
            {
                Exceeded = true;
                throw new BadHttpRequestException($"The request body is larger than {limit} bytes.", StatusCodes.Status413PayloadTooLarge);
            }

            return read;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
