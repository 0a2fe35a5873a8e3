using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace SampleWorker;

/// <summary>Worker middleware that answers 401 itself, without calling the function, unless the key is sent.</summary>
public sealed class SampleKeyMiddleware : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var http = context.GetHttpContext() ?? throw new InvalidOperationException("Secure is an HTTP function.");
        if (http.Request.Headers["x-sample-key"] != "letmein")
        {
            http.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }
        await next(context);
    }
}
