using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SampleWorker;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseWhen<SampleKeyMiddleware>(context => context.FunctionDefinition.Name == nameof(HttpFunctions.Secure));
builder.Services.AddSingleton<Recorder>();
builder.Build().Run();
