using System.Collections.Concurrent;
using System.Threading.Channels;
using Grpc.Core;
using Microsoft.Azure.WebJobs.Script.Grpc.Messages;
using MsgType = Microsoft.Azure.WebJobs.Script.Grpc.Messages.StreamingMessage.ContentOneofCase;

namespace FunctionsHost.Rpc;

/// <summary>The worker is gone (exited, or its stream closed) while the host waited for an answer.</summary>
internal sealed class WorkerUnavailableException(string message) : Exception(message);

/// <summary>
/// One worker's EventStream: an outbound channel drained by a write pump and a read pump that completes the
/// request waiting for each answer (as the Azure host's FunctionRpcService), and RpcLog lines to the console.
/// </summary>
internal sealed class WorkerChannel(string workerId, ILoggerFactory loggerFactory)
{
    private readonly Channel<StreamingMessage> _outbound = Channel.CreateUnbounded<StreamingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StreamingMessage>> _pending = new();
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _abort = new();
    private readonly ILogger _logger = loggerFactory.CreateLogger("Host.Worker");

    public string WorkerId { get; } = workerId;

    /// <summary>Completes when the worker has opened its stream and said StartStream.</summary>
    public Task Connected => _connected.Task;

    /// <summary>Completes when the stream has ended; nothing more can be sent or answered.</summary>
    public Task Closed => _closed.Task;

    public void Send(StreamingMessage message) => _outbound.Writer.TryWrite(message);

    /// <summary>Sends a request and waits for the answer with the given key (see <see cref="KeyOf"/>).</summary>
    public async Task<StreamingMessage> RequestAsync(StreamingMessage message, string key, CancellationToken cancellationToken)
    {
        var answer = new TaskCompletionSource<StreamingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.TryAdd(key, answer))
        {
            throw new InvalidOperationException($"A request '{key}' is already waiting for the worker's answer.");
        }
        try
        {
            if (_closed.Task.IsCompleted || !_outbound.Writer.TryWrite(message))
            {
                throw new WorkerUnavailableException("The worker's stream is closed.");
            }
            return await answer.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            _pending.TryRemove(key, out _);
        }
    }

    /// <summary>Runs both pumps for the stream the worker opened, until it ends or the host stops.</summary>
    public async Task RunAsync(IAsyncStreamReader<StreamingMessage> requests, IServerStreamWriter<StreamingMessage> responses, CancellationToken cancellationToken)
    {
        _connected.TrySetResult();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _abort.Token);
        var writing = WritePumpAsync(responses, stop.Token);
        try
        {
            while (await requests.MoveNext(stop.Token))
            {
                Dispatch(requests.Current);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or Grpc.Core.RpcException)
        {
            // The worker went away or the host stops: both end the stream the same way.
        }
        finally
        {
            Close();
            await stop.CancelAsync();
            try
            {
                await writing;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>Fails everything still waiting: the worker will not answer any more.</summary>
    public void Close()
    {
        _outbound.Writer.TryComplete();
        try
        {
            _abort.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        _closed.TrySetResult();
        foreach (var (_, pending) in _pending)
        {
            pending.TrySetException(new WorkerUnavailableException($"Worker {WorkerId} is gone."));
        }
    }

    public static string KeyOf(StreamingMessage message) => message.ContentCase switch
    {
        MsgType.WorkerInitRequest or MsgType.WorkerInitResponse => "init",
        MsgType.FunctionsMetadataRequest or MsgType.FunctionMetadataResponse => "metadata",
        MsgType.FunctionLoadRequest => "load:" + message.FunctionLoadRequest.FunctionId,
        MsgType.FunctionLoadResponse => "load:" + message.FunctionLoadResponse.FunctionId,
        MsgType.InvocationRequest => "invocation:" + message.InvocationRequest.InvocationId,
        MsgType.InvocationResponse => "invocation:" + message.InvocationResponse.InvocationId,
        _ => "",
    };

    private async Task WritePumpAsync(IServerStreamWriter<StreamingMessage> responses, CancellationToken cancellationToken)
    {
        await foreach (var message in _outbound.Reader.ReadAllAsync(cancellationToken))
        {
            await responses.WriteAsync(message, cancellationToken);
        }
    }

    private void Dispatch(StreamingMessage message)
    {
        if (message.ContentCase == MsgType.RpcLog)
        {
            WriteLog(message.RpcLog);
            return;
        }
        var key = KeyOf(message);
        if (key.Length > 0 && _pending.TryGetValue(key, out var pending))
        {
            pending.TrySetResult(message);
        }
        else if (message.ContentCase is not (MsgType.WorkerStatusResponse or MsgType.InvocationResponse))
        {
            // An InvocationResponse with nobody waiting belongs to an invocation the host already gave up on.
            _logger.LogDebug("Unexpected message from worker {WorkerId}: {Type}", WorkerId, message.ContentCase);
        }
    }

    private void WriteLog(RpcLog log)
    {
        var level = log.Level switch
        {
            RpcLog.Types.Level.Trace => LogLevel.Trace,
            RpcLog.Types.Level.Debug => LogLevel.Debug,
            RpcLog.Types.Level.Information => LogLevel.Information,
            RpcLog.Types.Level.Warning => LogLevel.Warning,
            RpcLog.Types.Level.Error => LogLevel.Error,
            RpcLog.Types.Level.Critical => LogLevel.Critical,
            _ => LogLevel.None,
        };
        if (level == LogLevel.None)
        {
            return;
        }
        var logger = loggerFactory.CreateLogger(string.IsNullOrEmpty(log.Category) ? "Worker" : log.Category);
        if (!logger.IsEnabled(level))
        {
            return;
        }
        if (log.Exception is { } exception && !string.IsNullOrEmpty(exception.Message))
        {
            logger.Log(level, "{Message}{NewLine}{Exception}", log.Message, Environment.NewLine,
                $"{exception.Source}: {exception.Message}{Environment.NewLine}{exception.StackTrace}".Trim());
        }
        else
        {
            logger.Log(level, "{Message}", log.Message);
        }
    }
}
