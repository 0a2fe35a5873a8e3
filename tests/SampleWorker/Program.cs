using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SampleWorker;

// Lets the host's tests see a worker that dies at every start (the host must back off).
if (Environment.GetEnvironmentVariable("SAMPLE_CRASH_AT_START") == "1")
{
    return 3;
}

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseWhen<SampleKeyMiddleware>(context => context.FunctionDefinition.Name == nameof(HttpFunctions.Secure));
builder.Services.AddSingleton<Recorder>();
builder.Build().Run();
return 0;
