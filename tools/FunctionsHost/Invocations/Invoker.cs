using System.Diagnostics;
using FunctionsHost.Configuration;
using FunctionsHost.Rpc;
using FunctionsHost.Workers;
using Microsoft.Azure.WebJobs.Script.Grpc.Messages;

namespace FunctionsHost.Invocations;

/// <summary>How an invocation ended, as the host sees it.</summary>
internal sealed record InvocationOutcome(bool Succeeded, string? Error)
{
    public static readonly InvocationOutcome Success = new(true, null);
}

/// <summary>
/// Sends one InvocationRequest and waits for its InvocationResponse, within host.json's functionTimeout (past it
/// the host sends InvocationCancel and the invocation fails), logging Executing/Executed as the Azure host does.
/// </summary>
internal sealed class Invoker(ScriptHost host, ILoggerFactory loggerFactory)
{
    public async Task<InvocationOutcome> InvokeAsync(ReadyWorker worker, FunctionDescriptor function, InvocationRequest request, string reason, CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger($"Function.{function.Name}");
        logger.LogInformation("Executing 'Functions.{Name}' (Reason='{Reason}', Id={InvocationId})", function.Name, reason, request.InvocationId);
        var clock = Stopwatch.StartNew();
        var outcome = await RunAsync(worker.Channel, function, request, cancellationToken);
        if (outcome.Succeeded)
        {
            logger.LogInformation("Executed 'Functions.{Name}' (Succeeded, Id={InvocationId}, Duration={Duration}ms)", function.Name, request.InvocationId, clock.ElapsedMilliseconds);
        }
        else
        {
            logger.LogError("Executed 'Functions.{Name}' (Failed, Id={InvocationId}, Duration={Duration}ms){NewLine}{Error}",
                function.Name, request.InvocationId, clock.ElapsedMilliseconds, Environment.NewLine, outcome.Error);
        }
        return outcome;
    }

    /// <summary>
    /// An invocation that fails before it reaches the worker because its trigger cannot bind the value given (the
    /// Azure host's "Exception binding parameter"): logged as a failed invocation, nothing sent.
    /// </summary>
    public InvocationOutcome FailBinding(FunctionDescriptor function, string reason, string error)
    {
        var logger = loggerFactory.CreateLogger($"Function.{function.Name}");
        var invocationId = Guid.NewGuid().ToString();
        logger.LogInformation("Executing 'Functions.{Name}' (Reason='{Reason}', Id={InvocationId})", function.Name, reason, invocationId);
        var outcome = new InvocationOutcome(false, $"Exception binding parameter '{function.TriggerName}': {error}");
        logger.LogError("Executed 'Functions.{Name}' (Failed, Id={InvocationId}, Duration={Duration}ms){NewLine}{Error}",
            function.Name, invocationId, 0, Environment.NewLine, outcome.Error);
        return outcome;
    }

    private async Task<InvocationOutcome> RunAsync(WorkerChannel channel, FunctionDescriptor function, InvocationRequest request, CancellationToken cancellationToken)
    {
        request.FunctionId = function.Id;
        // The worker reads the trace context of every invocation (W3C traceparent, as the Azure host sends): a span of
        // the host's own for the invocation, in the current trace or a new one, sampled in as the Azure host's default
        // sampler does, so the worker's invocation span and what the function starts are recorded.
        var current = Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity ? activity : null;
        request.TraceContext ??= new RpcTraceContext
        {
            TraceParent = $"00-{current?.TraceId ?? ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-01",
            TraceState = current?.TraceStateString ?? "",
        };
        var timeout = host.HostJson.FunctionTimeout ?? Timeout.InfiniteTimeSpan;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            var answer = await channel.RequestAsync(new StreamingMessage { RequestId = Guid.NewGuid().ToString(), InvocationRequest = request },
                WorkerChannel.KeyOf(new StreamingMessage { InvocationRequest = request }), limit.Token);
            var result = answer.InvocationResponse.Result;
            return result?.Status == StatusResult.Types.Status.Success
                ? InvocationOutcome.Success
                : new InvocationOutcome(false, result?.Exception is { } exception
                    ? $"{exception.Message}{Environment.NewLine}{exception.StackTrace}".Trim()
                    : $"The worker answered {result?.Status.ToString() ?? "nothing"}.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            channel.Send(new StreamingMessage { InvocationCancel = new InvocationCancel { InvocationId = request.InvocationId } });
            return new InvocationOutcome(false, $"Timeout value of {timeout} was exceeded by function: Functions.{function.Name}");
        }
        catch (OperationCanceledException)
        {
            channel.Send(new StreamingMessage { InvocationCancel = new InvocationCancel { InvocationId = request.InvocationId } });
            return new InvocationOutcome(false, "The invocation was cancelled: the host is stopping or the caller went away.");
        }
        catch (WorkerUnavailableException exception)
        {
            return new InvocationOutcome(false, $"The worker process went away during the invocation: {exception.Message}");
        }
    }
}
