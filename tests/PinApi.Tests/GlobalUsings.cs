global using PinApi.Contracts;
global using Xunit;
